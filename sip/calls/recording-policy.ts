/**
 * Whether a call is recorded and announced, from the policy of everyone in it.
 * Pure: the controller gathers the parties, this decides. A call is recorded
 * when any source says record: the caller's extension or its department, each
 * extension rung or its department, the department the call was sent to (a
 * ring group), the trunk. It is announced when a source that asks to record
 * also asks to announce: an `announce` without `record` asks for nothing.
 */

export interface PolicyFlags {
  record: boolean;
  /** Absent in records written before announcements existed: false. */
  announce?: boolean;
}

export interface PolicyExtension extends PolicyFlags {
  number: string;
  department: string | null;
}

export interface PolicyTrunk extends PolicyFlags {
  id: string;
}

export interface CallParties {
  caller?: PolicyExtension | null;
  /** The extensions the call rings (one for a direct call, the members of a ring group). */
  callees?: PolicyExtension[];
  /** The departments the call was addressed to as ring groups (a trunk's inbound target, the fallback). */
  departments?: string[];
  trunk?: PolicyTrunk | null;
}

export interface RecordingDecision {
  record: boolean;
  announce: boolean;
  /** The sources that asked to record, e.g. ['extension:101', 'department:legal', 'trunk:main']. */
  because: string[];
}

/** A department's policy by name (configuration merged with provisioning); undefined for one without a policy. */
export type DepartmentPolicyLookup = (name: string) => PolicyFlags | undefined;

export function decideRecording(parties: CallParties, departments: DepartmentPolicyLookup): RecordingDecision {
  const sources = new Map<string, PolicyFlags>();
  const add = (label: string, flags: PolicyFlags | undefined): void => {
    if (flags && !sources.has(label)) sources.set(label, flags);
  };
  const addDepartment = (name: string | null | undefined): void => {
    if (name) add(`department:${name}`, departments(name));
  };
  const extensions = [parties.caller, ...(parties.callees ?? [])].filter((e): e is PolicyExtension => !!e);
  for (const e of extensions) add(`extension:${e.number}`, e);
  for (const e of extensions) addDepartment(e.department);
  for (const name of parties.departments ?? []) addDepartment(name);
  if (parties.trunk) add(`trunk:${parties.trunk.id}`, parties.trunk);

  const recording = [...sources].filter(([, f]) => f.record);
  return {
    record: recording.length > 0,
    announce: recording.some(([, f]) => f.announce === true),
    because: recording.map(([label]) => label),
  };
}
