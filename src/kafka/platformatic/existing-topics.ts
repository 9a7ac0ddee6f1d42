/**
 * The metadata of those of a consumer's topics that exist (PartitionFetcher's fetch rounds, the
 * subscription watch): the library fails a Metadata call for all its topics when the broker does not
 * know one of them, so a topic deleted under a subscription would hold the others back. Asked
 * together; when one is unknown, one by one, leaving the unknown ones out (as Java's consumer goes
 * on with the topics its metadata has).
 */
import type { ClusterMetadata, ClusterTopicMetadata, Consumer, MetadataOptions } from "@platformatic/kafka";
import { isUnknownTopic } from "./errors.ts";

type LibraryConsumer = Consumer<Buffer, Buffer, Buffer, Buffer>;

/** `options.topics`' metadata, without those the broker does not know; throws only when it knows none. */
export async function existingTopicsMetadata(
  consumer: LibraryConsumer,
  options: Omit<MetadataOptions, "topics"> & { readonly topics: readonly string[] },
): Promise<ClusterMetadata> {
  try {
    return await consumer.metadata({ ...options, topics: [...options.topics] });
  } catch (error) {
    if (!isUnknownTopic(error) || options.topics.length < 2) throw error;
  }
  let last: ClusterMetadata | undefined;
  let unknown: unknown;
  const topics = new Map<string, ClusterTopicMetadata>();
  for (const topic of options.topics) {
    try {
      last = await consumer.metadata({ ...options, topics: [topic] });
      const md = last.topics.get(topic);
      if (md) topics.set(topic, md);
    } catch (error) {
      if (!isUnknownTopic(error)) throw error;
      unknown = error;
    }
  }
  if (!last) throw unknown;
  return { ...last, topics };
}
