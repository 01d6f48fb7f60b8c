/**
 * The part of modesl 1.2.1 (plain JavaScript, no types) that esl-connection.ts
 * uses, read from node_modules/modesl/lib/esl/{Connection,Parser,Event}.js.
 */
declare module 'modesl' {
  import type { Socket } from 'node:net';

  export interface EslHeader {
    name: string;
    value: string;
  }

  export class Event {
    headers: EslHeader[];
    body: string;
    getHeader(name: string): string | null;
    getBody(): string;
  }

  export class Parser {
    constructor(socket: Socket);
    on(event: 'esl::event', fn: (event: Event, headers: Record<string, string | number>, body?: string) => void): this;
    _onData(data: Buffer): void;
  }

  export class Connection {
    constructor(host: string, port: number, password: string, ready?: () => void);
    socket: Socket | null;
    parser?: Parser;
    on(event: string, fn: (...args: any[]) => void): this;
    once(event: string, fn: (...args: any[]) => void): this;
    removeAllListeners(event?: string): this;
    api(command: string, cb: (event: Event) => void): void;
    sendRecv(command: string, args: Record<string, string> | null, cb: (event: Event) => void): void;
  }

  const esl: { Connection: typeof Connection; Parser: typeof Parser; Event: typeof Event };
  export default esl;
}
