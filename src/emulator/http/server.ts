// The HTTP front: node:http, one JSON response per request, `Request-Id` on every response,
// `Stripe-Version` echoed, auth, idempotency, routing to the registered handlers and `expand[]`.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../../shared/logger.js';
import { type ApiRequest, type EmulatorCore, PLATFORM_ACCOUNT_ID } from '../core/emulator.js';
import { apiError, invalidRequest, isStateError, rateLimitError, StripeApiError } from '../core/errors.js';
import { API_VERSION } from '../core/events.js';
import { expandResponse } from '../core/expand.js';
import { type IdempotencyRecord, responseBody } from '../core/idempotency.js';
import { newRequestId } from '../core/ids.js';
import { PageResponse } from '../core/page-response.js';
import type { HttpMethod } from '../core/router.js';
import { checkAuthorization } from './auth.js';
import { decodeBody, decodeForm, takeExpand } from './body.js';

const MAX_BODY_BYTES = 10 * 1024 * 1024;

interface Reply {
  status: number;
  body: string;
  /** Set for control routes that answer with a page or a redirect instead of JSON. */
  headers?: Readonly<Record<string, string>>;
}

const errorReply = (err: StripeApiError): Reply => ({
  status: err.status,
  body: JSON.stringify({ error: err.body }),
});

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(invalidRequest(`Request bodies are limited to ${MAX_BODY_BYTES} bytes.`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () =>
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')),
    );
    req.on('error', reject);
  });
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createHttpServer(emu: EmulatorCore, logger: Logger): Server {
  async function handleApi(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    query: string,
    requestId: string,
  ): Promise<Reply> {
    const authError = checkAuthorization(header(req, 'authorization'));
    if (authError) return errorReply(authError);

    const method = req.method as HttpMethod;
    const match = emu.api.match(method, path);
    if (!match) {
      return errorReply(
        invalidRequest(
          `Unrecognized request URL (${req.method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
          undefined,
          undefined,
          404,
        ),
      );
    }

    const accountId = header(req, 'stripe-account') || PLATFORM_ACCOUNT_ID;
    if (!/^acct_[A-Za-z0-9_]+$/.test(accountId)) {
      return errorReply(
        invalidRequest(`Invalid Stripe-Account header: '${accountId}'`, undefined, 'Stripe-Account'),
      );
    }
    const text = method === 'POST' ? await readBody(req) : '';
    const outage = takeFailure(emu, method, path);
    if (outage) return errorReply(outage);
    const params =
      method === 'POST'
        ? { ...decodeForm(query), ...decodeBody(header(req, 'content-type'), text) }
        : decodeForm(query);
    const expand = takeExpand(params);

    const key = method === 'POST' ? (header(req, 'idempotency-key') ?? null) : null;
    let record: IdempotencyRecord | null = null;
    if (key !== null) {
      const fingerprint = createHash('sha1').update(query).update('\0').update(text).digest('base64');
      const outcome = emu.idempotency.begin(accountId, key, `${method} ${path}`, fingerprint);
      if (outcome.kind === 'replay') {
        res.setHeader('Idempotent-Replayed', 'true');
        const { response } = outcome.record;
        return { status: response.status, body: responseBody(response) };
      }
      record = outcome.record;
    }

    const apiRequest: ApiRequest = {
      method,
      path,
      pathParams: match.pathParams,
      params,
      expand,
      accountId,
      account: emu.store.account(accountId),
      requestId,
      idempotencyKey: key,
      apiVersion: header(req, 'stripe-version') ?? API_VERSION,
    };
    let reply: Reply;
    let unexpanded: unknown;
    let failure: StripeApiError | null = null;
    try {
      const delay = emu.settings.delays.find(
        (d) => d.path === path && (d.method === undefined || d.method === method),
      );
      if (delay) await sleep(delay.ms);
      let result = match.handler(apiRequest);
      if (result instanceof Promise) result = await result;
      unexpanded = result;
      const rendered = expandResponse(result, expand, apiRequest.account, emu.objects);
      reply = { status: 200, body: JSON.stringify(rendered) };
    } catch (err) {
      failure = asStripeError(err, logger, requestId);
      reply = errorReply(failure);
    }
    if (record) {
      // Parameter validation failures (400) are not stored, so the key can be reused after a fix;
      // a state error means the request ran, and is replayed like any other outcome.
      if (reply.status === 400 && !(failure && isStateError(failure))) emu.idempotency.discard(record);
      else if (reply.status === 200 && expand.length === 0)
        emu.idempotency.complete(record, { status: 200, value: unexpanded });
      else emu.idempotency.complete(record, reply);
    }
    return reply;
  }

  async function handleControl(req: IncomingMessage, path: string, query: string): Promise<Reply> {
    const method = req.method as HttpMethod;
    const match = emu.controlRoutes.match(method, path);
    if (!match) {
      return errorReply(
        invalidRequest(`Unrecognized control URL (${req.method}: ${path}).`, undefined, undefined, 404),
      );
    }
    const text = method === 'POST' ? await readBody(req) : '';
    const params = { ...decodeForm(query), ...decodeBody(header(req, 'content-type'), text) };
    let result = match.handler({ method, path, pathParams: match.pathParams, params });
    if (result instanceof Promise) result = await result;
    if (result instanceof PageResponse)
      return { status: result.status, body: result.body, headers: result.headers };
    return { status: 200, body: JSON.stringify(result) };
  }

  const debug = logger.isLevelEnabled('debug');
  return createServer((req, res) => {
    const started = debug ? performance.now() : 0;
    const requestId = newRequestId();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q + 1);
    res.setHeader('Request-Id', requestId);
    res.setHeader('Stripe-Version', header(req, 'stripe-version') ?? API_VERSION);
    const key = header(req, 'idempotency-key');
    if (key !== undefined) res.setHeader('Idempotency-Key', key);
    const account = header(req, 'stripe-account');
    if (account !== undefined) res.setHeader('Stripe-Account', account);

    const work = path.startsWith('/_emulator/')
      ? handleControl(req, path, query)
      : handleApi(req, res, path, query, requestId);
    work
      .catch((err: unknown) => errorReply(asStripeError(err, logger, requestId)))
      .then((reply) => {
        res.statusCode = reply.status;
        res.setHeader('Content-Type', 'application/json');
        for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
        res.setHeader('Content-Length', Buffer.byteLength(reply.body));
        res.end(reply.body);
        if (debug) {
          const ms = Math.round((performance.now() - started) * 10) / 10;
          logger.debug(
            { requestId, method: req.method, path, status: reply.status, ms },
            'emulator: request',
          );
        }
      });
  });
}

/** A rehearsed outage (`settings.failures`): answered before idempotency, so nothing is stored. */
function takeFailure(emu: EmulatorCore, method: HttpMethod, path: string): StripeApiError | null {
  const failures = emu.settings.failures;
  const i = failures.findIndex((f) => f.path === path && (f.method === undefined || f.method === method));
  const failure = failures[i];
  if (!failure) return null;
  if (failure.remaining !== undefined && --failure.remaining <= 0) failures.splice(i, 1);
  if (failure.status === 429) return rateLimitError();
  return apiError(
    `The emulator was told to fail ${method} ${path} with ${failure.status} (POST /_emulator/settings failures).`,
    failure.status,
  );
}

function asStripeError(err: unknown, logger: Logger, requestId: string): StripeApiError {
  if (err instanceof StripeApiError) return err;
  logger.error({ err, requestId }, 'emulator: unexpected error while handling a request');
  return apiError(`An unexpected error occurred in the emulator (request ${requestId}).`);
}
