/**
 * A connector's own ingest path as the ingest handler serves it: the route's target (connector,
 * path, topic, shape "native") and its shape handler (parseNativeBody for the body's records), made
 * once per route settings and kept in a WeakMap rather than built per request. ingest-handler.ts
 * looks one up for each POST to a connector's `ingest.path`, on the direct path and through hono;
 * a route reassigned to another connector with the same settings object gets a fresh one.
 */
import type { IngestExchange } from "./ingest-exchange.ts";
import type { ParsedRequest, ShapeHandler } from "./ingest-pipeline-contract.ts";
import { parseNativeBody } from "./native-body.ts";
import type { IngestTarget } from "./request-context.ts";
import type { IngestRouteSettings } from "./route-settings.ts";
import type { IngestRoute } from "./route-table.ts";

/** The connector's own path: the body's records; the exchange is the parsed request (no object of its own). */
class NativeShape implements ShapeHandler {
  constructor(private readonly settings: IngestRouteSettings) {}

  parse(body: Uint8Array, context: IngestExchange): ParsedRequest {
    const settings = this.settings;
    return context.parsedNative(
      parseNativeBody(settings, context.request, body, context.receivedAt, context.stampedBytes),
      settings,
    );
  }
}

/** A route's native-path target and shape, made once per route settings rather than per request. */
interface NativeRoute {
  readonly target: IngestTarget;
  readonly shape: ShapeHandler;
}

const nativeRoutes = new WeakMap<IngestRouteSettings, NativeRoute>();

export function nativeRoute(route: IngestRoute): NativeRoute {
  const { settings } = route;
  let made = nativeRoutes.get(settings);
  if (made === undefined || made.target.connector !== route.connector) {
    made = {
      target: { connector: route.connector, path: settings.path, topic: settings.topic, shape: "native" },
      shape: new NativeShape(settings),
    };
    nativeRoutes.set(settings, made);
  }
  return made;
}
