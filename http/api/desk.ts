import { Type, type Static } from '@sinclair/typebox';
import { HumanRoleSchema } from './sessions.js';

const NullStr = Type.Union([Type.String(), Type.Null()]);

/** Open conversations of one holder (or of nobody), how many wait for an answer, and since when the oldest has. */
export const DeskLoad = Type.Object({ open: Type.Integer(), waiting: Type.Integer(), oldestWaiting: NullStr });
export type DeskLoad = Static<typeof DeskLoad>;

/** GET /api/v1/desk: every operator (and anyone else holding open conversations), and the unassigned queue. */
export const DeskSummary = Type.Object({
  operators: Type.Array(Type.Object({ username: Type.String(), role: Type.Union([HumanRoleSchema, Type.Null()]), department: NullStr, disabled: Type.Boolean(), ...DeskLoad.properties })),
  unassigned: DeskLoad,
});
export type DeskSummary = Static<typeof DeskSummary>;

/** GET /api/v1/replies/limits: what a reply may carry (gateway.attachmentMaxBytes, listen.bodyLimitBytes). */
export const ReplyLimits = Type.Object({ maxAttachments: Type.Integer(), attachmentMaxBytes: Type.Integer(), requestMaxBytes: Type.Integer() });
export type ReplyLimits = Static<typeof ReplyLimits>;
