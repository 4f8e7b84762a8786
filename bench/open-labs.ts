/**
 * The labs (namespaces, daemons, servers) open right now, so that an interrupted run removes them
 * before it exits. A lab still being created is not here yet; its namespaces go with the
 * namespace lab's own exit handler.
 */

export interface Lab {
  cleanup(): Promise<void>;
}

const open = new Set<Lab>();

/** Creates a lab, hands it to `use`, and removes it afterwards whatever happens. */
export async function withLab<L extends Lab, T>(create: () => Promise<L>, use: (lab: L) => Promise<T>): Promise<T> {
  const lab = await create();
  open.add(lab);
  try {
    return await use(lab);
  } finally {
    open.delete(lab);
    await lab.cleanup();
  }
}

export async function cleanupOpenLabs(): Promise<void> {
  const labs = [...open];
  open.clear();
  for (const lab of labs) await lab.cleanup();
}
