/**
 * withCertificateRefusals: a KafkaPort whose clients say why a broker refused their certificate
 * when their own key store tells: an expired or not yet valid certificate gets "the key store's
 * certificate CN=… expired on …" in place of the generic "configure the key store" hint of
 * access-errors.ts (the broker's alert, `certificate_unknown`, does not say; the adapters' error
 * mapping does not know the client's key store). Every failure of a client (made by this port)
 * passes through: its creation, its methods' rejections and throws, and a consumer's `onCrash`.
 * Built around each adapter by kafka-ports.ts; the key store is read again only for such a refusal.
 * A client whose settings name no key store over TLS is returned as made: its refusals have
 * nothing to refine, and its sends and fetches pass no proxy.
 */

import { validityProblem } from "../tls/certificate-validity.ts";
import { withCertificateProblem } from "./access-errors.ts";
import type {
  CallBound,
  ClientProperties,
  ConsumerHandlers,
  ConsumerOptions,
  KafkaAdmin,
  KafkaConsumer,
  KafkaPort,
  KafkaProducer,
  ProducerOptions,
} from "./kafka-port.ts";
import { keyStoreCertificate } from "./key-store-expiry.ts";

type Refine = (error: unknown) => unknown;

function refinerFor(props: ClientProperties, now: () => number): Refine {
  return (error) =>
    withCertificateProblem(error, () => {
      const validity = keyStoreCertificate(props);
      return validity && validityProblem(validity, now());
    });
}

/** `handlers` whose onCrash gets the refined error. */
function refiningHandlers(handlers: ConsumerHandlers, refine: Refine): ConsumerHandlers {
  return new Proxy(handlers, {
    get(target, property) {
      if (property === "onCrash") return (error: Error) => target.onCrash(refine(error) as Error);
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** `client` whose methods' failures are refined (a consumer's `start` handlers too). */
function refining<T extends object>(client: T, refine: Refine): T {
  // One wrapper per method, made at its first use (sends and fetches read them on the hot path).
  const wrappers = new Map<PropertyKey, { method: Function; wrapper: Function }>();
  return new Proxy(client, {
    get(target, property) {
      // The target as receiver: getters and private fields work as on the client itself.
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      const known = wrappers.get(property);
      if (known?.method === value) return known.wrapper;
      const wrapper = (...args: unknown[]) => {
        if (property === "start" && args[0] !== undefined)
          args[0] = refiningHandlers(args[0] as ConsumerHandlers, refine);
        let result: unknown;
        try {
          result = value.apply(target, args);
        } catch (error) {
          throw refine(error);
        }
        return result instanceof Promise
          ? result.catch((error: unknown) => {
              throw refine(error);
            })
          : result;
      };
      wrappers.set(property, { method: value, wrapper });
      return wrapper;
    },
  });
}

/** Whether the client presents a certificate of its own: TLS (SSL, SASL_SSL) with a key store set. */
export function presentsKeyStore(props: ClientProperties): boolean {
  const protocol = (props["security.protocol"] ?? "").trim().toUpperCase();
  if (protocol !== "SSL" && protocol !== "SASL_SSL") return false;
  return ["ssl.keystore.location", "ssl.keystore.certificate.chain", "ssl.keystore.key"].some(
    (key) => (props[key] ?? "").trim() !== "",
  );
}

async function made<T extends object>(props: ClientProperties, make: () => Promise<T>, refine: Refine): Promise<T> {
  if (!presentsKeyStore(props)) return make();
  try {
    return refining(await make(), refine);
  } catch (error) {
    throw refine(error);
  }
}

export function withCertificateRefusals(port: KafkaPort, now: () => number = Date.now): KafkaPort {
  return {
    admin: (properties: ClientProperties, bound?: CallBound): Promise<KafkaAdmin> =>
      made(properties, () => port.admin(properties, bound), refinerFor(properties, now)),
    producer: (properties: ClientProperties, options?: ProducerOptions): Promise<KafkaProducer> =>
      made(properties, () => port.producer(properties, options), refinerFor(properties, now)),
    consumer: (options: ConsumerOptions): Promise<KafkaConsumer> =>
      made(options.properties, () => port.consumer(options), refinerFor(options.properties, now)),
  };
}
