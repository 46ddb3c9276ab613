/**
 * The handler table, reachable from a handler that runs other messages (a proposal's) without
 * importing the table itself, which imports every handler: index.ts registers it on load.
 */
import type { MessageOf, MessageTypeUrl } from "../../tx/messages.js";
import type { HandlerMap, MessageHandler } from "./types.js";

let table: HandlerMap | undefined;

export function registerHandlers(handlers: HandlerMap): void {
  table = handlers;
}

export function handlerFor<K extends MessageTypeUrl>(typeUrl: K): MessageHandler<MessageOf<K>> {
  if (!table) throw new Error("message handlers are not registered: import chain/app/handlers first");
  return table[typeUrl];
}
