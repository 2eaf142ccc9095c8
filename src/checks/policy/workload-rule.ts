/** The shape most manifest-policy checks share: judge every container of every workload. */
import type { KubeObject } from '../../synth/manifests';
import { type Problem } from '../environment-check';
import { type Container, type PodSpec, type Workload, containersOf, describeObject, workloads } from '../manifest/objects';

export interface ContainerSite {
  readonly workload: Workload;
  readonly container: Container;
  /** `Deployment x, containers[y]`: how messages name the container. */
  readonly where: string;
}

export function containerSites(objects: readonly KubeObject[]): ContainerSite[] {
  return workloads(objects).flatMap((workload) => containersOf(workload.pod).map(({ container, path }) => ({
    workload, container, where: `${describeObject(workload.object)}, ${path}`,
  })));
}

export function containerProblems(objects: readonly KubeObject[], judge: (site: ContainerSite) => Problem[]): Problem[] {
  return containerSites(objects).flatMap(judge);
}

/** The well-known node label a pod's OS is selected by; pods without it run on Linux nodes. */
export const OS_LABEL = 'kubernetes.io/os';

export function podOs(pod: PodSpec): string {
  return pod.nodeSelector?.[OS_LABEL] ?? 'linux';
}
