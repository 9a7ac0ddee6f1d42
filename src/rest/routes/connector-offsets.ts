/**
 * The `/connectors/{connector}/offsets` endpoints: read, alter (PATCH) and reset (DELETE) a
 * connector's offsets, with Connect's messages for a missing or empty body.
 */
import type { Context } from "hono";
import { BadRequestError } from "../../errors.ts";
import type { ConnectorOffset } from "../../runtime/entities.ts";
import { bindConnectorOffsets, ENTITIES } from "../jackson/bind.ts";
import { bindBody } from "../jackson/bind-body.ts";
import { bodyOf, jsonResponse, nullEntity } from "../json-body.ts";
import type { Route } from "../route.ts";
import { C, name } from "./connector-params.ts";

function parseOffsets(c: Context): ConnectorOffset[] {
  const entity = bindBody(bodyOf(c), bindConnectorOffsets, `${ENTITIES}ConnectorOffsets`);
  if (entity === null) {
    throw nullEntity(`Cannot invoke "${ENTITIES}ConnectorOffsets.offsets()" because "offsets" is null`);
  }
  // ConnectorOffsets.toMap() dereferences every element, before the resource checks anything else.
  if ((entity.offsets ?? []).includes(null)) {
    throw nullEntity(`Cannot invoke "${ENTITIES}ConnectorOffset.partition()" because "offset" is null`);
  }
  return (entity.offsets ?? []).map((o) => ({
    partition: (o?.partition ?? null) as Record<string, unknown>,
    offset: o?.offset ?? null,
  }));
}

export function connectorOffsetRoutes(): Route[] {
  return [
    {
      method: "GET",
      path: `${C}/offsets`,
      consumesJson: true,
      handle: async (c, { herder, timed }) => jsonResponse(200, await timed(() => herder.connectorOffsets(name(c)))),
    },
    {
      method: "PATCH",
      path: `${C}/offsets`,
      consumesJson: true,
      readsBody: true,
      handle: async (c, { herder, timed }) => {
        const offsets = parseOffsets(c);
        if (offsets.length === 0)
          throw new BadRequestError("Partitions / offsets need to be provided for an alter offsets request");
        const message = await timed(() => herder.modifyConnectorOffsets(name(c), offsets));
        return jsonResponse(200, { message });
      },
    },
    {
      method: "DELETE",
      path: `${C}/offsets`,
      consumesJson: true,
      handle: async (c, { herder, timed }) =>
        jsonResponse(200, { message: await timed(() => herder.modifyConnectorOffsets(name(c), null)) }),
    },
  ];
}
