// The dynamic provider Pulumi serializes into state and runs in its own process. Every method is self-contained: it
// requires the implementation by package name inside the method (a top-level import or a captured client would not
// survive serialization), so the serialized text stays small and identical from one `pulumi up` to the next.
import type * as pulumi from '@pulumi/pulumi';

/* eslint-disable @typescript-eslint/no-require-imports -- requiring inside each method is what makes it serializable */
export const virtualMachineProvider: pulumi.dynamic.ResourceProvider = {
  async check(olds, news) {
    return require('bootshift/lib/pulumi/provider-impl').check(olds, news);
  },
  async diff(id, olds, news) {
    return require('bootshift/lib/pulumi/provider-impl').diff(id, olds, news);
  },
  async create(inputs) {
    return require('bootshift/lib/pulumi/provider-impl').create(inputs);
  },
  async read(id, props) {
    return require('bootshift/lib/pulumi/provider-impl').read(id, props);
  },
  async update(id, olds, news) {
    return require('bootshift/lib/pulumi/provider-impl').update(id, olds, news);
  },
  async delete(id, props) {
    return require('bootshift/lib/pulumi/provider-impl').remove(id, props);
  },
};
