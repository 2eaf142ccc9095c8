import { environmentCheck, fromProblems } from '../environment-check';
import { containerProblems } from './workload-rule';

const REQUIRED = ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'] as const;

export const resourceBounds = environmentCheck(
  'policy.resources',
  'Every container sets CPU and memory requests and limits',
  ({ objects }) => fromProblems(containerProblems(objects, ({ container, where }) => {
    const missing = REQUIRED.filter((path) => {
      const [group, resource] = path.split('.') as ['requests' | 'limits', string];
      return container.resources?.[group]?.[resource] === undefined;
    });
    return missing.length === 0 ? [] : [{
      message: `${where}: resources ${missing.join(', ')} unset; the scheduler cannot place it reliably (a Tart VM takes its size from them).`,
      fix: 'Set requests and limits for cpu and memory in the environment\'s resources.',
    }];
  }), 'Every container has cpu and memory requests and limits.'),
);
