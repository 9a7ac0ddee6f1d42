/**
 * Stalled clients of bench/soak.ts: the slowloris phases (connections that stall in their request
 * head or body on one of the gateway's listeners, held until the gateway closes them) and the
 * ingest phase's slow body.
 */
import { connect, type Socket } from "node:net";
import { acceptedOn, type SoakSample, type SoakTarget, sample } from "./soak-probe.ts";

/**
 * Slowloris: `count` connections that send part of a request head, and as many that send a head and
 * part of the body, then hold. Samples with them open and once the gateway closed them all
 * (ingest.request.timeout.ms for bodies, the listener's idle timeout for heads; up to 60 s), the
 * "cycles" of the second sample being how many the gateway still held.
 */
export async function slowloris(
  target: SoakTarget,
  count: number,
  port: number,
  path: string,
  name: string,
): Promise<SoakSample[]> {
  const before = acceptedOn(target, port);
  const open = new Set<Socket>();
  for (let i = 0; i < count * 2; i++) {
    const socket = connect(port, "127.0.0.1", () => {
      socket.write(
        i % 2 === 0
          ? `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: appl`
          : `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"slow":${i}`,
      );
    });
    socket.on("error", () => undefined);
    open.add(socket);
  }
  const out = [await sample(target, name, count * 2)];
  const started = performance.now();
  const held = () => Math.max(0, acceptedOn(target, port) - before);
  for (let waited = 0; held() > 0 && waited < 1500; waited++) await Bun.sleep(100);
  console.error(`${name}: the gateway holds ${held()} after ${Math.round(performance.now() - started)} ms`);
  out.push(await sample(target, name, held()));
  for (const socket of open) socket.destroy();
  return out;
}

/** A slow body: half the declared bytes, a pause, then the socket closes. */
export async function slowBody(port: number, i: number): Promise<void> {
  await new Promise<void>((done) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.write(
        `POST /soak HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"slow":${i}`,
      );
      setTimeout(() => socket.destroy(), 200);
    });
    socket.on("close", () => done());
    socket.on("error", () => done());
  });
}
