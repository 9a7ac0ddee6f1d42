import { describe, expect, test } from "bun:test";
import { ConnectError } from "../errors.ts";
import { loadWorkerConfig } from "../worker-config.ts";
import { taskClientProperties } from "./task-clients.ts";

const id = { connector: "orders", task: 2 };
const worker = (extra: Record<string, string> = {}) => loadWorkerConfig({ "bootstrap.servers": "k:9092", ...extra });
const clientIds = (props: ReturnType<typeof taskClientProperties>) => ({
  producer: props.producer["client.id"],
  admin: props.admin["client.id"],
  consumer: props.consumer["client.id"],
  dlqProducer: props.dlqProducer["client.id"],
  dlqAdmin: props.dlqAdmin["client.id"],
});

describe("taskClientProperties", () => {
  test("each client starts from Connect's default client id", () => {
    expect(clientIds(taskClientProperties(worker(), id, {}))).toEqual({
      producer: "connector-producer-orders-2",
      admin: "connector-adminclient-orders-2",
      consumer: "connector-consumer-orders-2",
      dlqProducer: "connector-dlq-producer-orders-2",
      dlqAdmin: "connector-dlq-adminclient-",
    });
  });

  describe("the worker's and the connector's keys replace the default, in Connect's order", () => {
    test.each([
      [
        "worker producer.client.id: both producers",
        { "producer.client.id": "w-p" },
        {},
        {
          producer: "w-p",
          admin: "connector-adminclient-orders-2",
          consumer: "connector-consumer-orders-2",
          dlqProducer: "w-p",
          dlqAdmin: "connector-dlq-adminclient-",
        },
      ],
      [
        "worker consumer.client.id and admin.client.id",
        { "consumer.client.id": "w-c", "admin.client.id": "w-a" },
        {},
        {
          producer: "connector-producer-orders-2",
          admin: "w-a",
          consumer: "w-c",
          dlqProducer: "connector-dlq-producer-orders-2",
          dlqAdmin: "w-a",
        },
      ],
      [
        "the connector's *.override.client.id wins over the worker's",
        { "producer.client.id": "w-p", "consumer.client.id": "w-c", "admin.client.id": "w-a" },
        {
          "producer.override.client.id": "c-p",
          "consumer.override.client.id": "c-c",
          "admin.override.client.id": "c-a",
        },
        { producer: "c-p", admin: "c-a", consumer: "c-c", dlqProducer: "c-p", dlqAdmin: "c-a" },
      ],
      [
        "a top-level client.id: admin clients only (Connect gives producers and consumers no top-level keys)",
        { "client.id": "top" },
        {},
        {
          producer: "connector-producer-orders-2",
          admin: "top",
          consumer: "connector-consumer-orders-2",
          dlqProducer: "connector-dlq-producer-orders-2",
          dlqAdmin: "top",
        },
      ],
    ])("%s", (_name, workerKeys, connectorKeys, expected) => {
      expect(clientIds(taskClientProperties(worker(workerKeys), id, connectorKeys))).toEqual(expected);
    });
  });

  test("other client keys keep their precedence around the id (connector over worker over defaults)", () => {
    const props = taskClientProperties(worker({ "consumer.auto.offset.reset": "latest", "producer.acks": "1" }), id, {
      "producer.override.acks": "0",
    });
    expect(props.consumer["auto.offset.reset"]).toBe("latest");
    expect(props.producer.acks).toBe("0");
    expect(taskClientProperties(worker(), id, {}).consumer["auto.offset.reset"]).toBe("earliest");
  });

  describe("the worker's connector.client.config.override.policy", () => {
    const none = worker({ "connector.client.config.override.policy": "None", "consumer.client.id": "w-c" });
    const overrides = { "producer.override.client.id": "c-p", "producer.override.linger.ms": "7" };

    test.each([
      ["All (the default)", worker()],
      [
        "All by class name",
        worker({ "connector.client.config.override.policy": "AllConnectorClientConfigOverridePolicy" }),
      ],
      [
        "Allowlist listing the keys",
        worker({
          "connector.client.config.override.policy": "Allowlist",
          "connector.client.config.override.allowlist": "client.id,linger.ms",
        }),
      ],
    ])("%s: the producers' properties carry the overrides", (_name, policyWorker) => {
      const props = taskClientProperties(policyWorker, id, overrides);
      expect([props.producer["client.id"], props.producer["linger.ms"]]).toEqual(["c-p", "7"]);
      expect([props.dlqProducer["client.id"], props.dlqProducer["linger.ms"]]).toEqual(["c-p", "7"]);
      expect(props.consumer["linger.ms"]).toBeUndefined();
    });

    test("None: reading a client with an override fails as Connect's Worker; the others are still made", () => {
      const props = taskClientProperties(none, id, overrides);
      expect(() => props.producer).toThrow(
        new ConnectError(
          "Client Config Overrides not allowed [[client.id,c-p,[],[The 'None' policy does not allow 'client.id' to be overridden in the connector configuration.],true], [linger.ms,7,[],[The 'None' policy does not allow 'linger.ms' to be overridden in the connector configuration.],true]]",
        ),
      );
      expect(() => props.dlqProducer).toThrow(ConnectError);
      expect(props.consumer["client.id"]).toBe("w-c");
      expect(props.admin["client.id"]).toBe("connector-adminclient-orders-2");
    });

    test("Principal: the SASL keys apply, any other override fails the client", () => {
      const principal = worker({ "connector.client.config.override.policy": "Principal" });
      const sasl = {
        "producer.override.security.protocol": "SASL_PLAINTEXT",
        "producer.override.sasl.mechanism": "PLAIN",
        "producer.override.sasl.jaas.config": "x required;",
      };
      const props = taskClientProperties(principal, id, sasl).producer;
      expect([props["security.protocol"], props["sasl.mechanism"], props["sasl.jaas.config"]]).toEqual([
        "SASL_PLAINTEXT",
        "PLAIN",
        "x required;",
      ]);
      expect(() => taskClientProperties(principal, id, { ...sasl, "producer.override.acks": "1" }).producer).toThrow(
        "Client Config Overrides not allowed [[acks,1,[],[The 'Principal' policy does not allow 'acks' to be overridden in the connector configuration.],true]]",
      );
    });
  });

  test("the consumer's properties are made once per task (and whether they fence predecessors with them)", () => {
    const props = taskClientProperties(worker(), id, { "consumer.override.max.poll.records": "7" });
    const consumer = props.consumer;
    expect(props.consumerFencesPredecessors).toBe(true);
    expect(props.consumer).toBe(consumer);
    expect(consumer["max.poll.records"]).toBe("7");
  });

  describe("consumerFencesPredecessors", () => {
    test.each([
      ["the default id (unique to the task)", {}, {}, true],
      ["the worker's consumer.client.id (shared by every sink task)", { "consumer.client.id": "shared" }, {}, false],
      [
        "the connector's consumer.override.client.id (shared by its tasks)",
        {},
        { "consumer.override.client.id": "x" },
        false,
      ],
      [
        "a configured id equal to the default (tasks.max > 1 gives every task that id)",
        {},
        { "consumer.override.client.id": "connector-consumer-orders-2" },
        false,
      ],
      [
        "the worker's consumer.client.id equal to the default",
        { "consumer.client.id": "connector-consumer-orders-2" },
        {},
        false,
      ],
      ["an empty configured id", {}, { "consumer.override.client.id": "" }, false],
      ["a top-level client.id (admin clients only)", { "client.id": "top" }, {}, true],
    ])("%s: %p", (_name, workerKeys, connectorKeys, fences) => {
      expect(taskClientProperties(worker(workerKeys), id, connectorKeys).consumerFencesPredecessors).toBe(fences);
    });
  });
});
