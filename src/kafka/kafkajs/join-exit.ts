/**
 * JoinExit: the JoinGroup a kafkajs consumer has under way, and how its close leaves it.
 *
 * kafkajs leaves the group at disconnect only once its consumer runs, with the member id its
 * completed join gave. Since KIP-394 a first JoinGroup (no member id) is answered MEMBER_ID_REQUIRED
 * with an id the coordinator keeps as a pending member until the member joins again with it, leaves
 * with it, or its session times out; while it is there no join phase of the group completes (every
 * other member's JoinGroup waits, up to session.timeout.ms). kafkajs answers MEMBER_ID_REQUIRED
 * inside its broker's joinGroup, unseen (the withJoinHook hooks show it). So a join under way at
 * close is left here: with the id it rejoins with, or with the one MEMBER_ID_REQUIRED gives, the
 * join ending there. So is a member stopped to rejoin (the subscription watch: kafkajs, patched,
 * then sends no LeaveGroup) that is closed before its JoinGroup goes out.
 */
import type { Kafka } from "kafkajs";
import { within } from "../../util/async.ts";
import { type BrokerLike, createCluster } from "./protocol.ts";

export class JoinExit {
  private current: { memberId: string; answered: Promise<unknown> } | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly groupId: string,
    private readonly requestTimeoutMs: number,
  ) {}

  /** A JoinGroup under way with `memberId` ("" for none). */
  sent(memberId: string, answered: Promise<unknown>): void {
    this.current = { memberId, answered };
  }

  /** The member stops to rejoin as `memberId`, still a member of the group: a join under way from now on. */
  rejoining(memberId: string): void {
    this.current = { memberId, answered: Promise.resolve() };
  }

  /** MEMBER_ID_REQUIRED gave the member this id: false (the join ends) when it is closed, after leaving with the id. */
  async given(memberId: string, coordinator: BrokerLike, closed: boolean): Promise<boolean> {
    if (this.current) this.current.memberId = memberId;
    if (!closed) return true;
    await this.leave(coordinator, memberId);
    return false;
  }

  /** The join completed: kafkajs leaves with its member id from now on. */
  joined(): void {
    this.current = undefined;
  }

  /**
   * At close: leaves the join under way, if any. With a member id, through a connection of its
   * own: the coordinator may hold the JoinGroup until the other members rejoin, and reads the next
   * request of that connection only after answering it. Without one, the first JoinGroup's answer
   * is awaited (`given` leaves with the id it gives).
   */
  async close(): Promise<void> {
    const join = this.current;
    this.current = undefined;
    if (!join) return;
    if (join.memberId)
      await within(
        this.leaveAside(join.memberId).catch(() => undefined),
        this.requestTimeoutMs,
      );
    await within(
      join.answered.catch(() => undefined),
      this.requestTimeoutMs,
    );
  }

  private async leave(coordinator: BrokerLike, memberId: string): Promise<void> {
    const left = coordinator.leaveGroup({ groupId: this.groupId, memberId });
    await within(
      left.catch(() => undefined),
      this.requestTimeoutMs,
    );
  }

  private async leaveAside(memberId: string): Promise<void> {
    const cluster = createCluster(this.kafka);
    try {
      await cluster.connect();
      const coordinator = await cluster.findGroupCoordinator({ groupId: this.groupId });
      await coordinator.leaveGroup({ groupId: this.groupId, memberId });
    } finally {
      await cluster.disconnect().catch(() => undefined);
    }
  }
}
