/**
 * The whole Produce answer behind a kafkajs send's failure. kafkajs 2.2.4 checks a Produce answer by throwing the first
 * failed partition's error, without its topic, and drops the others' results: a send to two topics, one of which the
 * broker refused the principal (an ACL), does not say which one, nor that the other's records were written and at
 * which offsets. The answer's `parse` of Produce v3-v7 (kafkajs reads it from the module at each answer) is replaced
 * here by one that throws the same error carrying the decoded answer (`produceAnswerOf`). Loaded for its effect by
 * producer.ts.
 */
import * as v3 from "kafkajs/src/protocol/requests/produce/v3/response";
import * as v4 from "kafkajs/src/protocol/requests/produce/v4/response";
import * as v5 from "kafkajs/src/protocol/requests/produce/v5/response";
import * as v6 from "kafkajs/src/protocol/requests/produce/v6/response";
import * as v7 from "kafkajs/src/protocol/requests/produce/v7/response";
import { findInError } from "../../util/find-in-error.ts";

/** One partition's result in a Produce answer, as kafkajs decodes it. */
export interface ProducePartitionAnswer {
  readonly partition: number;
  readonly errorCode: number;
  readonly baseOffset: string;
  readonly logAppendTime: string;
}

/** A Produce answer, as kafkajs decodes it. */
export interface ProduceAnswer {
  readonly topics: readonly { readonly topicName: string; readonly partitions: readonly ProducePartitionAnswer[] }[];
}

const ANSWER = Symbol("the Produce answer");

/** The Produce answer a kafkajs send failed on, when the failure is a broker's answer to a Produce request. */
export function produceAnswerOf(error: unknown): ProduceAnswer | undefined {
  return findInError(error, (e: { [ANSWER]?: ProduceAnswer }) => e[ANSWER]);
}

for (const version of [v3, v4, v5, v6, v7]) {
  // The modules' exports objects, as kafkajs' require gives them (an ES namespace here is read-only).
  const exports = ((version as { default?: unknown }).default ?? version) as {
    parse: (data: unknown) => Promise<unknown>;
  };
  // Each module's exports hold the original parse (v4..v7 took v3's or v5's at load), so each is wrapped once.
  const parse = exports.parse;
  const keeping = async (data: unknown) => {
    try {
      return await parse(data);
    } catch (error) {
      if (error !== null && typeof error === "object") Object.defineProperty(error, ANSWER, { value: data });
      throw error;
    }
  };
  exports.parse = keeping;
}
