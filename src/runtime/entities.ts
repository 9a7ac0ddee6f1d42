/**
 * Connect's REST entities (org.apache.kafka.connect.runtime.rest.entities), which the Herder
 * returns as Connect's herders do. Property order here is the wire order: JSON output keeps it.
 */
import type { State } from "../store/status-store.ts";

export type ConnectorType = "source" | "sink" | "unknown";

export interface ConnectorTaskIdEntity {
  connector: string;
  task: number;
}

export interface ConnectorInfo {
  name: string;
  config: Record<string, string>;
  tasks: ConnectorTaskIdEntity[];
  type: ConnectorType;
}

/** KIP-891 (4.1+): `version` is the running plugin's version, null while UNASSIGNED; `trace` last. */
export interface ConnectorState {
  state: State;
  worker_id: string;
  version: string | null;
  trace?: string;
}

export interface TaskState {
  id: number;
  state: State;
  worker_id: string;
  version: string | null;
  trace?: string;
}

export interface ConnectorStateInfo {
  name: string;
  connector: ConnectorState;
  tasks: TaskState[];
  type: ConnectorType;
}

export interface TaskInfo {
  id: ConnectorTaskIdEntity;
  config: Record<string, string>;
}

export interface ConnectorOffset {
  partition: Record<string, unknown>;
  offset: Record<string, unknown> | null;
}

export interface ConnectorOffsets {
  offsets: ConnectorOffset[];
}

export interface PluginInfo {
  class: string;
  type: string;
  version?: string;
}

export interface ServerInfo {
  version: string;
  commit: string;
  kafka_cluster_id: string | null;
}

export interface WorkerStatus {
  status: "healthy" | "starting" | "unhealthy";
  message: string;
}

export function connectorState(
  state: State,
  workerId: string,
  trace: string | null,
  pluginVersion: string | null,
): ConnectorState {
  const version = state === "UNASSIGNED" ? null : pluginVersion;
  return trace ? { state, worker_id: workerId, version, trace } : { state, worker_id: workerId, version };
}

export function taskState(
  id: number,
  state: State,
  workerId: string,
  trace: string | null,
  pluginVersion: string | null,
): TaskState {
  const version = state === "UNASSIGNED" ? null : pluginVersion;
  return trace ? { id, state, worker_id: workerId, version, trace } : { id, state, worker_id: workerId, version };
}
