// A trivial dynamic resource: create returns a value derived from its input, so the test can see the provider
// really ran (and ran in the dynamic-provider plugin process, not in the program).
import * as pulumi from '@pulumi/pulumi';

interface NoteInputs {
  text: string;
}

const noteProvider: pulumi.dynamic.ResourceProvider<NoteInputs> = {
  async create(inputs) {
    return { id: `note-${inputs.text.length}`, outs: { text: inputs.text, shout: inputs.text.toUpperCase(), pid: process.pid } };
  },
};

class Note extends pulumi.dynamic.Resource {
  declare readonly shout: pulumi.Output<string>;
  declare readonly pid: pulumi.Output<number>;
  constructor(name: string, text: string) {
    super(noteProvider, name, { text, shout: undefined, pid: undefined }, {});
  }
}

const note = new Note('hello', new pulumi.Config().get('text') ?? 'hello from bootshift');
export const shout = note.shout;
export const providerPid = note.pid;
export const programPid = process.pid;
