import { consumerConfigShape, loadConfig, publisherConfigShape } from '../../shared/config.ts';

/**
 * The calculator worker's environment, parsed once at cold start: a consumer's variables and a
 * publisher's, in one parse (createConsumer gets it rather than parsing its part again).
 */
export const calculatorConfig = () =>
  loadConfig({ ...consumerConfigShape, ...publisherConfigShape });
