/** A schemaless record holding `value` on topic "t", for transformation micro-benchmarks. */
export const schemalessRecord = (value: unknown) => ({
  topic: "t",
  kafkaPartition: null,
  keySchema: null,
  key: null,
  valueSchema: null,
  value,
  timestamp: null,
  headers: undefined as never,
});
