import { calculationCompleted } from './calculation-completed.ts';
import { calculationFailed } from './calculation-failed.ts';
import { calculationRequested } from './calculation-requested.ts';
import { type CloudEvent, CloudEventEnvelope } from './cloud-event.ts';
import { type EventContract, versionOf } from './contract.ts';
import { ContractViolation, describeIssues } from './contract-violation.ts';
import { notificationSent } from './notification-sent.ts';
import type * as z from './zod.ts';

/** Every contract this system speaks. A new event type (or major version) is one line here. */
export const contracts = [
  calculationRequested,
  calculationCompleted,
  calculationFailed,
  notificationSent,
] as const;

type Contracts = (typeof contracts)[number];
export type EventType = Contracts['type'];
export type ContractOf<T extends EventType> = Extract<Contracts, { type: T }>;
export type EventData<T extends EventType> = z.output<ContractOf<T>['schema']>;
export type EventDataInput<T extends EventType> = z.input<ContractOf<T>['schema']>;
/** A validated event of one of the given types (a union when several are given). */
export type EventOf<T extends EventType> = T extends EventType
  ? CloudEvent<T, EventData<T>>
  : never;

const byType = new Map<string, Map<number, EventContract>>();
for (const contract of contracts) {
  const versions = byType.get(contract.type) ?? new Map<number, EventContract>();
  versions.set(contract.version, contract);
  byType.set(contract.type, versions);
}

export const eventTypes = (): EventType[] => [...byType.keys()] as EventType[];

/** The newest contract of a type: what a publisher of that type writes. */
export function currentContract<T extends EventType>(type: T): ContractOf<T> {
  const versions = byType.get(type);
  if (!versions) throw new ContractViolation('UNKNOWN_EVENT_TYPE', `Unknown event type "${type}"`);
  return versions.get(Math.max(...versions.keys())) as ContractOf<T>;
}

/**
 * The contract of an event that names no `dataschema`: the type's oldest registered major, the
 * one a producer unaware of versions was written against.
 */
export function oldestContract(type: string): EventContract {
  const versions = byType.get(type);
  if (!versions) throw new ContractViolation('UNKNOWN_EVENT_TYPE', `Unknown event type "${type}"`);
  return versions.get(Math.min(...versions.keys())) as EventContract;
}

/** The contract an incoming event names by `type` and `dataschema`. */
export function contractFor(type: string, dataschema: string): EventContract {
  const versions = byType.get(type);
  if (!versions) throw new ContractViolation('UNKNOWN_EVENT_TYPE', `Unknown event type "${type}"`);
  const version = versionOf(dataschema, type);
  const contract = version === undefined ? undefined : versions.get(version);
  if (!contract) {
    throw new ContractViolation(
      'UNKNOWN_EVENT_VERSION',
      `Unknown version of "${type}": dataschema "${dataschema}" (known: ${[...versions.values()].map((c) => c.dataschema).join(', ')})`,
    );
  }
  return contract;
}

/** Validate `data` against a contract, returning the normalised data or naming every bad field. */
export function validateData<T extends EventType>(
  type: T,
  data: unknown,
  contract: EventContract = currentContract(type),
): EventData<T> {
  const result = contract.schema.safeParse(data);
  if (!result.success) {
    throw new ContractViolation(
      'INVALID_EVENT_DATA',
      `Invalid ${type} data: ${describeIssues(result.error, 'data')}`,
    );
  }
  return result.data as EventData<T>;
}

/** Envelope → contract lookup → data validated. Throws ContractViolation naming what is wrong. */
export function parseEvent(input: unknown): CloudEvent<EventType, unknown> {
  const envelope = CloudEventEnvelope.safeParse(input);
  if (!envelope.success) {
    throw new ContractViolation(
      'INVALID_ENVELOPE',
      `Not a valid CloudEvent: ${describeIssues(envelope.error)}`,
    );
  }
  const { type, dataschema, id } = envelope.data;
  const contract = dataschema === undefined ? oldestContract(type) : contractFor(type, dataschema);
  const data = validateData(type as EventType, envelope.data.data, contract);
  return {
    ...envelope.data,
    type: type as EventType,
    datacontenttype: 'application/json',
    dataschema: contract.dataschema,
    correlationid: envelope.data.correlationid ?? id,
    data,
  };
}
