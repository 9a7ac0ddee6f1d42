/**
 * Descriptor builders for the Apache-compatible SMTs and predicates: every one reports Connect's
 * version, as Apache's report `AppInfoParser.getVersion()`. `keyAndValue` makes the `$Key` and
 * `$Value` descriptors of one SMT from a factory that takes the record side.
 */

import type { Predicate, Transformation } from "../../api/transformation.ts";
import type { ConfigDef } from "../../plugin/config-def.ts";
import type { PredicateDescriptor, TransformationDescriptor } from "../../plugin/descriptor.ts";
import { CONNECT_VERSION } from "../../version.ts";
import { KEY_SIDE, type RecordSide, VALUE_SIDE } from "./record-side.ts";

export const TRANSFORMS_PACKAGE = "org.apache.kafka.connect.transforms";
export const PREDICATES_PACKAGE = "org.apache.kafka.connect.transforms.predicates";

export function transformation(
  simpleName: string,
  summary: string,
  config: ConfigDef,
  create: () => Transformation,
): TransformationDescriptor {
  return {
    type: "transformation",
    className: `${TRANSFORMS_PACKAGE}.${simpleName}`,
    version: CONNECT_VERSION,
    config,
    summary,
    create,
  };
}

/** `<name>$Key` and `<name>$Value`, in that order. */
export function keyAndValue(
  simpleName: string,
  summary: string,
  config: ConfigDef,
  create: (side: RecordSide) => Transformation,
): [TransformationDescriptor, TransformationDescriptor] {
  return [
    transformation(`${simpleName}$Key`, `${summary} Applies to the record key.`, config, () => create(KEY_SIDE)),
    transformation(`${simpleName}$Value`, `${summary} Applies to the record value.`, config, () => create(VALUE_SIDE)),
  ];
}

export function predicate(
  simpleName: string,
  summary: string,
  config: ConfigDef,
  create: () => Predicate,
): PredicateDescriptor {
  return {
    type: "predicate",
    className: `${PREDICATES_PACKAGE}.${simpleName}`,
    version: CONNECT_VERSION,
    config,
    summary,
    create,
  };
}
