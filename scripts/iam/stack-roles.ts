// The roles of functions deployed into an emulator, read back from its CloudFormation: each
// stack's template as submitted (the packaged one), resolved against the names it gives.
import {
  CloudFormationClient,
  GetTemplateCommand,
  ListStacksCommand,
} from '@aws-sdk/client-cloudformation';
import {
  type FunctionRole,
  functionRoles,
  resolvedNames,
  type Template,
} from './template-roles.ts';

export async function deployedFunctionRoles(
  endpoint: string,
  accountId: string,
  region = process.env.AWS_REGION ?? 'us-east-1',
): Promise<FunctionRole[]> {
  const cloudformation = new CloudFormationClient({
    endpoint,
    region,
    credentials: { accessKeyId: 'observer', secretAccessKey: 'observer' },
  });
  const roles: FunctionRole[] = [];
  let NextToken: string | undefined;
  do {
    const page = await cloudformation.send(new ListStacksCommand({ NextToken }));
    for (const stack of page.StackSummaries ?? []) {
      if (stack.StackStatus?.startsWith('DELETE')) continue;
      // A stack another test is removing right now: its functions call nothing any more.
      const TemplateBody = await cloudformation
        .send(new GetTemplateCommand({ StackName: stack.StackName, TemplateStage: 'Original' }))
        .then((t) => t.TemplateBody)
        .catch(() => undefined);
      if (!TemplateBody) continue;
      const template = JSON.parse(TemplateBody) as Template;
      roles.push(...functionRoles(template, resolvedNames(template, { region, accountId })));
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return roles;
}
