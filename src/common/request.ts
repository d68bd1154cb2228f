import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/**
 * The URL namespace of our server extension, below the server's base URL.
 */
export const API_NAMESPACE = 'kernel-manager';

/**
 * An error answered by our server extension, keeping its JSON
 * `{message, reason}` so the UI can tell the user what to do.
 */
export class KernelManagerAPIError extends ServerConnection.ResponseError {
  constructor(response: Response, message: string, reason: string) {
    super(response, message);
    this.reason = reason;
  }

  /**
   * The machine-readable reason, e.g. `running` for a kernelspec in use.
   */
  readonly reason: string;

  /**
   * The HTTP status of the answer.
   */
  get status(): number {
    return this.response.status;
  }
}

/**
 * Call a route of our server extension.
 *
 * @param endPoint - path below `<baseUrl>/kernel-manager/`, already encoded.
 * @returns the parsed JSON body, or `undefined` for an empty answer.
 * @throws ServerConnection.NetworkError when the server is unreachable, and
 *   KernelManagerAPIError for any non-2xx answer.
 */
export async function requestAPI<T>(
  endPoint: string,
  init: RequestInit,
  settings: ServerConnection.ISettings
): Promise<T> {
  // Built from the connection settings so it works below /user/<name>/ too.
  const url = URLExt.join(settings.baseUrl, API_NAMESPACE, endPoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new ServerConnection.NetworkError(error as TypeError);
  }
  const text = await response.text();
  let data: any = undefined;
  if (text.length > 0) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }
  if (!response.ok) {
    const message =
      (data && typeof data.message === 'string' && data.message) ||
      `${response.status} ${response.statusText}`.trim();
    const reason =
      (data && typeof data.reason === 'string' && data.reason) || '';
    throw new KernelManagerAPIError(response, message, reason);
  }
  return data as T;
}

/**
 * Whether the server answered that an administrator switched the route off
 * (`KernelManagerConfig.disabled_routes`).
 */
export function isSwitchedOff(error: unknown): boolean {
  return (
    error instanceof KernelManagerAPIError && error.reason === 'switched-off'
  );
}
