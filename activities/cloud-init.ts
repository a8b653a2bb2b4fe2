// Real images learn how to say "boot complete" through cloud-init's NoCloud seed: bootshift adds a `phone_home`
// section (cloud-init posts instance_id and hostname to the URL at the end of boot) to the user's own cloud-config.
import { ApplicationFailure } from '@temporalio/common';
import { parse, stringify } from 'yaml';
import { Failure } from '../domain';
import type { CloudInitSeed } from './hypervisor';

export interface CloudInitRequest {
  vmId: string;
  hostname: string;
  userData?: string;
  /** Carries the token in its query string: cloud-init's phone_home posts a fixed set of fields. */
  phoneHomeUrl: string;
}

export function cloudInitSeed(req: CloudInitRequest): CloudInitSeed {
  const user = req.userData?.trim() ? userConfig(req.userData) : {};
  const config = { ...user, phone_home: { url: req.phoneHomeUrl, post: ['instance_id', 'hostname'], tries: 30 } };
  return {
    userData: `#cloud-config\n${stringify(config)}`,
    metaData: stringify({ 'instance-id': req.vmId, 'local-hostname': req.hostname }),
  };
}

function userConfig(userData: string): Record<string, unknown> {
  if (!userData.startsWith('#cloud-config')) {
    throw ApplicationFailure.nonRetryable(
      'image.userData: must be a #cloud-config document (bootshift adds its phone_home section to it)',
      Failure.InvalidVmSpec,
    );
  }
  const parsed: unknown = parse(userData);
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw ApplicationFailure.nonRetryable('image.userData: must be a YAML mapping', Failure.InvalidVmSpec);
  }
  return parsed as Record<string, unknown>;
}
