/** The in-memory WeCom: one contract for tests (msw), the demo (fetch.ts) and benchmarks (standalone.ts). */
export { handleRequest, receiveCapAt, SIMULATED_APIS, type SimApiHost, type SimRequest, type SimResponse } from './api';
export { DEFAULT_SIM_CONFIG, type FaultSpec, type SimConfig } from './config';
export { createSimulatorFetch, simulatorRequestFromFetch, type SimulatorFetchOptions } from './fetch';
export { DEFAULT_TAG_GROUPS, generatePopulation, generateStaff, type PopulationOptions, type StaffSeed, type TagGroupSeed } from './population';
export { EventSink, type ChaosOptions, type Delivery, type EventSinkOptions } from './sink';
export {
  createSimulator,
  SimulatorError,
  WecomSimulator,
  type AddContactArgs,
  type EventDraft,
  type SimEmittedEvent,
  type SimEventListener,
  type SimulatorOptions,
} from './simulator';
export * from './state';
