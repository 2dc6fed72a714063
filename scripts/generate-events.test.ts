import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Parser } from '@asyncapi/parser';
import { describe, expect, it } from 'vitest';
import { contracts } from '../events/registry.ts';
import { topology } from '../events/topology.ts';
import {
  asyncApiPath,
  examplesDir,
  readmePath,
  renderAsyncApi,
  renderExamples,
  renderTopologyBlock,
  renderTopologyDiagram,
  TOPOLOGY_END,
  TOPOLOGY_START,
  withTopologyBlock,
} from './generate-events.ts';

describe('generated event documents', () => {
  it('events/asyncapi.yaml is up to date (run `npm run asyncapi`)', () => {
    expect(readFileSync(asyncApiPath, 'utf8')).toBe(renderAsyncApi());
  });

  it('events/examples are up to date (run `npm run asyncapi`)', () => {
    const expected = renderExamples();
    expect(readdirSync(examplesDir).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, text] of Object.entries(expected)) {
      expect(readFileSync(path.join(examplesDir, name), 'utf8')).toBe(text);
    }
  });

  it("README.md's topology diagram is up to date (run `npm run asyncapi`)", () => {
    const readme = readFileSync(readmePath, 'utf8');
    expect(readme).toContain(TOPOLOGY_START);
    expect(readme).toContain(TOPOLOGY_END);
    expect(readme).toContain(renderTopologyBlock(topology));
  });

  it('is a valid AsyncAPI 3.0 document', async () => {
    const { document, diagnostics } = await new Parser().parse(readFileSync(asyncApiPath, 'utf8'));
    const errors = diagnostics.filter((d) => d.severity === 0);
    expect(errors.map((e) => `${e.path.join('.')}: ${e.message}`)).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
    expect(
      document
        ?.allMessages()
        .all()
        .map((m) => m.name()),
    ).toEqual(expect.arrayContaining([...new Set(contracts.map((c) => c.type))]));
  });
});

describe('renderTopologyDiagram', () => {
  // Names no fork would use, and types that need no registry: the diagram only draws the topology.
  const sample = {
    services: {
      'zz-alpha': { publishes: ['zz.one', 'zz.two'], consumes: ['zz.zero'] },
      'zz-beta': { publishes: [], consumes: ['zz.one'] },
      'zz-gamma': { publishes: ['zz.zero'], consumes: [] },
    },
  };

  it("draws the topic, each consumer's queue with its filter and DLQ, and what each publishes", () => {
    const diagram = renderTopologyDiagram(sample);
    expect(diagram.startsWith('flowchart LR\n')).toBe(true);
    expect(diagram).toContain('topic{{"SNS topic: events"}}');
    expect(diagram).toContain('topic -->|"zz.zero"| queue_zz_alpha');
    expect(diagram).toContain('queue_zz_alpha[["zz-alpha queue"]]');
    expect(diagram).toContain('queue_zz_alpha -.->|"failed"| dlq_zz_alpha');
    expect(diagram).toContain('queue_zz_alpha --> svc_zz_alpha');
    expect(diagram).toContain('svc_zz_alpha -->|"zz.one<br/>zz.two"| topic');
    expect(diagram).toContain('topic -->|"zz.one"| queue_zz_beta');
    expect(diagram).not.toMatch(/svc_zz_beta -->\|/); // publishes nothing
    expect(diagram).not.toContain('queue_zz_gamma'); // consumes nothing: no queue
    expect(diagram).toContain('svc_zz_gamma -->|"zz.zero"| topic');
  });

  it('is pure: the same topology gives the same text', () => {
    expect(renderTopologyDiagram(sample)).toBe(renderTopologyDiagram(structuredClone(sample)));
  });

  it('replaces only the block between the markers, and leaves a README without them alone', () => {
    const before = `# A fork\n\n${TOPOLOGY_START}\nold\n${TOPOLOGY_END}\n\nMore text.\n`;
    const after = withTopologyBlock(before, sample);
    expect(after).toBe(`# A fork\n\n${renderTopologyBlock(sample)}\n\nMore text.\n`);
    expect(withTopologyBlock(after, sample)).toBe(after);
    expect(withTopologyBlock('# No diagram here\n', sample)).toBe('# No diagram here\n');
  });
});
