// Create or update one CloudFormation stack from a template and wait for it: what
// `npm run deploy:bootstrap` needs, without the AWS CLI.
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
  waitUntilStackCreateComplete,
  waitUntilStackUpdateComplete,
} from '@aws-sdk/client-cloudformation';

export interface DeployStackInput {
  stackName: string;
  template: string;
  parameters: Record<string, string>;
  log?: (line: string) => void;
}

/** The stack's outputs once it is created or updated (or already up to date). */
export async function deployStack({
  stackName,
  template,
  parameters,
  log = () => {},
}: DeployStackInput): Promise<Record<string, string>> {
  const cfn = new CloudFormationClient({});
  const input = {
    StackName: stackName,
    TemplateBody: template,
    Capabilities: ['CAPABILITY_NAMED_IAM' as const],
    Parameters: Object.entries(parameters).map(([ParameterKey, ParameterValue]) => ({
      ParameterKey,
      ParameterValue,
    })),
  };
  const exists = await cfn
    .send(new DescribeStacksCommand({ StackName: stackName }))
    .then((r) => (r.Stacks ?? []).some((s) => s.StackStatus !== 'DELETE_COMPLETE'))
    .catch((error: Error) => {
      if (/does not exist/.test(error.message)) return false;
      throw error;
    });
  const wait = { client: cfn, maxWaitTime: 30 * 60 };
  if (!exists) {
    log(`creating stack ${stackName} …`);
    await cfn.send(new CreateStackCommand(input));
    await waitUntilStackCreateComplete(wait, { StackName: stackName });
  } else {
    log(`updating stack ${stackName} …`);
    const updated = await cfn
      .send(new UpdateStackCommand(input))
      .then(() => true)
      .catch((error: Error) => {
        if (/No updates are to be performed/.test(error.message)) return false;
        throw error;
      });
    if (updated) await waitUntilStackUpdateComplete(wait, { StackName: stackName });
    else log('no change');
  }
  const { Stacks = [] } = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
  return Object.fromEntries(
    (Stacks[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']),
  );
}
