import { describe, expect, it } from 'vitest';
import { applyCheckovSkips, dropRedundantDependsOn } from './iac-findings.ts';

describe('iac-findings plugin', () => {
  it('drops only the DependsOn entries that Ref, GetAtt or Sub already imply', () => {
    const template = {
      Resources: {
        Fn: {
          Type: 'AWS::Lambda::Function',
          DependsOn: ['FnLogGroup', 'FnRole'],
          Properties: { Role: { 'Fn::GetAtt': ['FnRole', 'Arn'] } },
        },
        Route: {
          Type: 'AWS::ApiGatewayV2::Route',
          DependsOn: 'Integration',
          Properties: { Target: { 'Fn::Sub': 'integrations/${Integration}' } },
        },
      },
    };
    dropRedundantDependsOn(template);
    expect(template.Resources.Fn.DependsOn).toEqual(['FnLogGroup']);
    expect(template.Resources.Route).not.toHaveProperty('DependsOn');
  });

  it('writes the skips of a resource type into Metadata once, keeping skips already there', () => {
    const template = {
      Resources: {
        Q: {
          Type: 'AWS::SQS::Queue',
          Metadata: { checkov: { skip: [{ id: 'CKV_OWN', comment: 'own' }] } },
        },
        T: { Type: 'AWS::SNS::Topic' },
      },
    };
    const skips = { 'AWS::SQS::Queue': [{ id: 'CKV_AWS_27', comment: 'SSE-SQS' }] };
    applyCheckovSkips(template, skips);
    applyCheckovSkips(template, skips);
    expect(template.Resources.Q.Metadata.checkov.skip.map((s) => s.id)).toEqual([
      'CKV_OWN',
      'CKV_AWS_27',
    ]);
    expect(template.Resources.T).not.toHaveProperty('Metadata');
  });
});
