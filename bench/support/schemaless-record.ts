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

/** A device reading as the transformation and converter micro-benchmarks send it (JSON of ~230 bytes). */
export const deviceReading = {
  device: "valve-0042",
  site: "plant-7/line-3",
  ts: 1732975200123456,
  seq: 981234,
  firmware: "4.2.1",
  readings: { pressure: 2.3178, temperature: 61.25, flow: 12.5, open: true },
  alarms: [],
  tags: ["north", "primary"],
};
