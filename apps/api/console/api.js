// The console's only way to the API: same origin, the session cookie, and the CSRF token on
// every mutation. Errors come back as ApiError with the API's {error, message, details}.

export class ApiError extends Error {
  constructor(status, body, retryAfter) {
    super(body?.message || `Request failed (${status || 'network'})`);
    this.status = status;
    this.code = body?.error ?? (status ? 'http_' + status : 'network');
    this.details = Array.isArray(body?.details) ? body.details : [];
    this.retryAfter = retryAfter ? Number(retryAfter) : null;
  }
}

let csrfToken = null;
let sessionLost = () => {};

export function setCsrfToken(token) {
  csrfToken = token ?? null;
}

/** Called on a 401 from anything but the auth endpoints: the session expired or was revoked. */
export function onSessionLost(handler) {
  sessionLost = handler;
}

export async function api(method, path, body, { signal, keepalive } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
      signal,
      keepalive,
    });
  } catch (error) {
    if (error?.name === 'AbortError') throw error;
    throw new ApiError(0, { error: 'network', message: 'Cannot reach Threadkeeper. Check the connection; retrying.' });
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data, response.headers.get('Retry-After'));
    if (response.status === 401 && !path.startsWith('/v1/auth/')) sessionLost(error);
    throw error;
  }
  return data;
}

export const get = (path, options) => api('GET', path, undefined, options);
export const post = (path, body, options) => api('POST', path, body ?? {}, options);
export const del = (path, options) => api('DELETE', path, undefined, options);
