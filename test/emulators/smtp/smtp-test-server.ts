import type { Socket } from 'node:net';
import { simpleParser } from 'mailparser';
import type { AddressObject, HeaderValue } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { SMTPServerDataStream, SMTPServerError, SMTPServerSession } from 'smtp-server';

/** One message as the server received and parsed it. */
export interface ReceivedMail {
  /** `MAIL FROM`. */
  readonly envelopeFrom: string;
  /** Every `RCPT TO`, in order. */
  readonly envelopeTo: readonly string[];
  /** The address in the `From` header. */
  readonly from: string;
  /** The addresses in the `To` header. */
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** The `Message-ID` header, with its angle brackets. */
  readonly messageId: string;
  /** Every header by lower-case name, decoded (address headers as text, several occurrences joined by ", "). */
  readonly headers: Readonly<Record<string, string>>;
  /** The user that authenticated, when AUTH was used. */
  readonly authUser: string | undefined;
  /** The SMTP session (one per client connection) it came over. */
  readonly sessionId: string;
  readonly raw: string;
}

export interface SmtpTestServerOptions {
  /** Require AUTH with these credentials; without it the server accepts anyone. */
  readonly auth?: { readonly user: string; readonly pass: string };
  /** The AUTH mechanisms offered (default PLAIN and LOGIN). */
  readonly authMethods?: readonly ('PLAIN' | 'LOGIN')[];
  /**
   * TLS with this key and certificate (PEM): STARTTLS offered on `smtp://`, or with `implicit` TLS from the first
   * byte (`smtps://`). Without it the server speaks cleartext only.
   */
  readonly tls?: { readonly key: string; readonly cert: string; readonly implicit?: boolean };
  /** Leave PIPELINING (RFC 2920) out of the EHLO reply: the client must go lock-step. */
  readonly hidePIPELINING?: boolean;
  /** Leave SMTPUTF8 (RFC 6531) out of the EHLO reply. */
  readonly hideSMTPUTF8?: boolean;
  /** Close a connection idle this long (smtp-server answers `421 Timeout` and closes); default 60 s. */
  readonly idleTimeoutMs?: number;
  /**
   * Messages a session may start: the next `MAIL FROM` gets `421` and the connection is closed (as servers that cap
   * a session's messages do, e.g. Exchange's MaxMessagesPerConnection). Absent: no cap.
   */
  readonly maxMessagesPerSession?: number;
}

export interface SmtpTestServerAddress {
  readonly host: string;
  readonly port: number;
  /** `smtp://user:pass@127.0.0.1:PORT` (credentials percent-encoded), or without them when AUTH is off. */
  readonly url: string;
}

/** Where an injected fault answers: after `RCPT TO` (a refused recipient) or after the message data. */
export type SmtpFaultStage = 'rcpt' | 'data';

interface Fault {
  remaining: number;
  readonly code: number;
  readonly stage: SmtpFaultStage;
}

/**
 * A real SMTP server for tests (smtp-server on 127.0.0.1, a free port, cleartext unless `tls`, cleartext AUTH allowed) that
 * records every accepted message as `mailparser` reads it, and can refuse the next messages on demand.
 */
export class SmtpTestServer {
  readonly #options: SmtpTestServerOptions;
  readonly #received: ReceivedMail[] = [];
  #server: SMTPServer | undefined;
  #fault: Fault | undefined;
  #authFailures = 0;
  #openSessions = 0;
  #mostSessions = 0;
  readonly #writes: string[] = [];
  readonly #messagesBySession = new Map<string, number>();

  constructor(options: SmtpTestServerOptions = {}) {
    this.#options = options;
  }

  async start(): Promise<SmtpTestServerAddress> {
    if (this.#server !== undefined) throw new Error('SmtpTestServer is already started');
    const auth = this.#options.auth;
    const tls = this.#options.tls;
    const disabledCommands = [...(tls === undefined || tls.implicit === true ? ['STARTTLS'] : [])];
    if (auth === undefined) disabledCommands.push('AUTH');
    const server = new SMTPServer({
      name: 'smtp-test-server.invalid',
      authOptional: auth === undefined,
      allowInsecureAuth: true,
      authMethods: [...(this.#options.authMethods ?? ['PLAIN', 'LOGIN'])],
      disabledCommands,
      disableReverseLookup: true,
      // Pooled clients keep connections open; stop() must not wait the default 30 s for them.
      closeTimeout: 100,
      logger: false,
      ...(tls === undefined ? {} : { key: tls.key, cert: tls.cert, secure: tls.implicit === true }),
      hidePIPELINING: this.#options.hidePIPELINING === true,
      hideSMTPUTF8: this.#options.hideSMTPUTF8 === true,
      ...(this.#options.idleTimeoutMs === undefined ? {} : { socketTimeout: this.#options.idleTimeoutMs }),
      onConnect: (_session, callback) => {
        this.#openSessions += 1;
        this.#mostSessions = Math.max(this.#mostSessions, this.#openSessions);
        callback();
      },
      onClose: () => {
        this.#openSessions -= 1;
      },
      onAuth: (credentials, _session, callback) => {
        if (auth !== undefined && credentials.username === auth.user && credentials.password === auth.pass) {
          callback(null, { user: credentials.username });
          return;
        }
        this.#authFailures += 1;
        callback(reply(535, 'Authentication credentials invalid'));
      },
      onMailFrom: (_address, session, callback) => {
        const cap = this.#options.maxMessagesPerSession;
        const started = (this.#messagesBySession.get(session.id) ?? 0) + 1;
        this.#messagesBySession.set(session.id, started);
        callback(
          cap !== undefined && started > cap ? reply(421, '4.7.0 Too many messages in this session') : undefined,
        );
      },
      onRcptTo: (_address, _session, callback) => {
        callback(this.#takeFault('rcpt'));
      },
      onData: (stream, session, callback) => {
        this.#receive(stream, session).then(
          () => {
            callback(null);
          },
          (error: unknown) => {
            callback(error instanceof Error ? error : new Error(String(error)));
          },
        );
      },
    });
    server.on('error', () => {
      // Client resets during a test are expected; they surface on the client side.
    });
    if (tls === undefined) {
      // What clients write, chunk by chunk as TCP delivered it: shows whether commands came pipelined.
      server.server.on('connection', (socket: Socket) => {
        socket.on('data', (chunk: Buffer) => {
          this.#writes.push(chunk.toString('latin1'));
        });
      });
    }
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
    const address = server.server.address();
    if (address === null || typeof address === 'string') throw new Error('SmtpTestServer: no TCP address');
    const credentials = auth === undefined ? '' : `${encodeURIComponent(auth.user)}:${encodeURIComponent(auth.pass)}@`;
    const scheme = tls?.implicit === true ? 'smtps' : 'smtp';
    return { host: '127.0.0.1', port: address.port, url: `${scheme}://${credentials}127.0.0.1:${address.port}` };
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return;
    await new Promise<void>((resolve) => {
      server.close(resolve);
    });
  }

  /** The messages accepted so far, oldest first. */
  messages(): readonly ReceivedMail[] {
    return [...this.#received];
  }

  /** How many AUTH attempts were refused. */
  authFailures(): number {
    return this.#authFailures;
  }

  /** The most client connections that were open at once. */
  mostSessions(): number {
    return this.#mostSessions;
  }

  /** The chunks clients wrote, as received (cleartext servers only; empty with `tls`). */
  clientWrites(): readonly string[] {
    return [...this.#writes];
  }

  clear(): void {
    this.#received.length = 0;
    this.#fault = undefined;
    this.#authFailures = 0;
    this.#mostSessions = this.#openSessions;
    this.#writes.length = 0;
  }

  /**
   * Refuses the next `count` recipients (`stage: 'rcpt'`) or messages (`'data'`) with `code`: 4xx are temporary
   * (the client should retry later), 5xx permanent. Refused messages are not recorded.
   */
  failNext(count: number, code: number, stage: SmtpFaultStage = 'data'): void {
    this.#fault = { remaining: count, code, stage };
  }

  #takeFault(stage: SmtpFaultStage): SMTPServerError | null {
    const fault = this.#fault;
    if (fault === undefined || fault.stage !== stage || fault.remaining <= 0) return null;
    fault.remaining -= 1;
    return reply(fault.code, fault.code < 500 ? 'Try again later (injected fault)' : 'Refused (injected fault)');
  }

  async #receive(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    // The whole message is read before a fault answers: SMTP replies to DATA only after the final dot.
    const fault = this.#takeFault('data');
    if (fault !== null) throw fault;
    const raw = Buffer.concat(chunks).toString('utf8');
    const parsed = await simpleParser(raw);
    const headers: Record<string, string> = {};
    for (const [name, value] of parsed.headers) headers[name] = headerText(value);
    const mailFrom = session.envelope.mailFrom;
    this.#received.push({
      envelopeFrom: mailFrom === false ? '' : mailFrom.address,
      envelopeTo: session.envelope.rcptTo.map((recipient) => recipient.address),
      from: addresses(parsed.from)[0] ?? '',
      to: addresses(parsed.to),
      subject: parsed.subject ?? '',
      text: parsed.text ?? '',
      html: typeof parsed.html === 'string' ? parsed.html : '',
      messageId: parsed.messageId ?? '',
      headers,
      authUser: typeof session.user === 'string' ? session.user : undefined,
      sessionId: session.id,
      raw,
    });
  }
}

function reply(code: number, message: string): SMTPServerError {
  return Object.assign(new Error(message), { responseCode: code });
}

function addresses(header: AddressObject | AddressObject[] | undefined): string[] {
  if (header === undefined) return [];
  return (Array.isArray(header) ? header : [header]).flatMap((object) =>
    object.value.flatMap((entry) => (entry.address === undefined ? [] : [entry.address])),
  );
}

function headerText(value: HeaderValue): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item: HeaderValue) => headerText(item)).join(', ');
  if ('text' in value && typeof value.text === 'string') return value.text;
  if ('value' in value && typeof value.value === 'string') return value.value;
  // The combined List-* headers: rare in invites, kept readable rather than dropped.
  return JSON.stringify(value);
}
