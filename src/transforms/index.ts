/**
 * Every single message transform and predicate Apache Kafka ships, under Apache's class names, for
 * `src/plugins.ts` to register. Order follows Apache's service registration files.
 */
import type { PluginDescriptor } from "../plugin/descriptor.ts";
import { castKey, castValue } from "./cast.ts";
import { dropHeaders } from "./drop-headers.ts";
import { extractFieldKey, extractFieldValue } from "./extract-field.ts";
import { filter } from "./filter.ts";
import { flattenKey, flattenValue } from "./flatten.ts";
import { headerFromKey, headerFromValue } from "./header-from.ts";
import { hoistFieldKey, hoistFieldValue } from "./hoist-field.ts";
import { insertFieldKey, insertFieldValue } from "./insert-field.ts";
import { insertHeader } from "./insert-header.ts";
import { maskFieldKey, maskFieldValue } from "./mask-field.ts";
import { hasHeaderKey } from "./predicates/has-header-key.ts";
import { recordIsTombstone } from "./predicates/record-is-tombstone.ts";
import { topicNameMatches } from "./predicates/topic-name-matches.ts";
import { regexRouter } from "./regex-router.ts";
import { replaceFieldKey, replaceFieldValue } from "./replace-field.ts";
import { setSchemaMetadataKey, setSchemaMetadataValue } from "./set-schema-metadata.ts";
import { timestampConverterKey, timestampConverterValue } from "./timestamp-converter.ts";
import { timestampRouter } from "./timestamp-router.ts";
import { valueToKey } from "./value-to-key.ts";

export const transformationPlugins: PluginDescriptor[] = [
  castKey,
  castValue,
  dropHeaders,
  extractFieldKey,
  extractFieldValue,
  filter,
  flattenKey,
  flattenValue,
  headerFromKey,
  headerFromValue,
  hoistFieldKey,
  hoistFieldValue,
  insertFieldKey,
  insertFieldValue,
  insertHeader,
  maskFieldKey,
  maskFieldValue,
  regexRouter,
  replaceFieldKey,
  replaceFieldValue,
  setSchemaMetadataKey,
  setSchemaMetadataValue,
  timestampConverterKey,
  timestampConverterValue,
  timestampRouter,
  valueToKey,
];

export const predicatePlugins: PluginDescriptor[] = [hasHeaderKey, recordIsTombstone, topicNameMatches];
