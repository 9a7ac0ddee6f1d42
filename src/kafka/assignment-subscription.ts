/**
 * Whether a join's assignment fits the member's subscription, as Java's SubscriptionState decides it
 * (`checkAssignmentMatchedSubscription`). It may not: a static member restarted with other topics
 * (a sink's `topics` changed) rejoins without having left, and the coordinator answers a stable
 * group's JoinGroup with the assignment it holds for the instance id, of the old topics (the leader's
 * with KIP-814's `skipAssignment`). Java's consumer then takes nothing and rejoins with its current
 * subscription (ConsumerCoordinator.onJoinComplete), which, from a known member with changed
 * metadata, makes the coordinator rebalance the group. Called by the platformatic adapter's consumer
 * (member-assignment.ts).
 */
import type { TopicPartition } from "../api/record.ts";

/** The first assigned partition whose topic the subscription (topics, or a `topics.regex` pattern) does not have. */
export function unsubscribedPartition(
  assigned: readonly TopicPartition[],
  subscription: readonly string[] | RegExp,
): TopicPartition | undefined {
  const subscribed = (topic: string) =>
    subscription instanceof RegExp ? subscription.test(topic) : subscription.includes(topic);
  return assigned.find((tp) => !subscribed(tp.topic));
}
