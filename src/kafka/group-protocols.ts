/**
 * The assignment protocol names a sink task's group member advertises, in order of preference
 * (kafkajs/member-config.ts, platformatic/consumer.ts): of the protocols every member supports, the
 * coordinator takes the one most members list first (a vote): this one, as every upgraded member lists
 * them in this order. "roundrobin" is Java's RoundRobinAssignor's name and the one kafkajs and platformatic
 * members share; "RoundRobinAssigner" is the only one kafkajs members of earlier gateway releases
 * advertise, kept so that they share the group with upgraded members during a rolling upgrade.
 * Both encode the standard ConsumerProtocolSubscription and ConsumerProtocolAssignment.
 */
export const GROUP_PROTOCOLS = ["roundrobin", "RoundRobinAssigner"] as const;
