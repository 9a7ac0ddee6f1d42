/**
 * resolveConnector: the connector plugin a `connector.class` names (class name or alias), or
 * UnknownConnectorClassError (400, as Connect 4.1+) listing the installed connectors as Connect's
 * PluginDesc strings. Used by validation, the Worker and the task builder.
 */
import { BadRequestError } from "../errors.ts";
import type { ConnectorDescriptor } from "../plugin/descriptor.ts";
import type { PluginRegistry } from "../plugin/registry.ts";

/** Connect's "PluginDesc{…}" list in the unknown-connector message. */
function pluginDescs(registry: PluginRegistry): string {
  return registry
    .sorted(["sink", "source"])
    .map(
      (p) =>
        `PluginDesc{klass=class ${p.className}, name='${p.className}', version='${p.version}', encodedVersion=${p.version}, type=${p.type}, typeName='${p.type}', location='classpath'}`,
    )
    .join(", ");
}

/** Connect 4.1+ answers an unknown connector class with 400. */
export class UnknownConnectorClassError extends BadRequestError {
  constructor(
    readonly className: string,
    message: string,
  ) {
    super(message);
  }
}

export function resolveConnector(registry: PluginRegistry, className: string): ConnectorDescriptor {
  // Connect loads the class by the name as given: spaces around it name no connector.
  const found = className === className.trim() ? registry.find(["source", "sink"], className) : undefined;
  if (!found) {
    throw new UnknownConnectorClassError(
      className,
      `Failed to find any class that implements Connector and which name matches ${className}, available connectors are: ${pluginDescs(registry)}`,
    );
  }
  return found;
}
