import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { indexNetworkingInput } from '../networking-index.ts';
import { destination, istioMesh, networkingInput, workload } from '../test-fixtures.ts';
import { createDestinationSelector, selectDestinations } from './destination-selection.ts';
import { createWorkloadSelector, selectIdentityWorkloads, selectSourceWorkloads } from './workload-selection.ts';

const index = indexNetworkingInput(
  networkingInput({
    meshes: [istioMesh('c1'), istioMesh('c2')],
    destinations: [
      destination('reviews', 'bookinfo', 'c1', { labels: { app: 'reviews', tier: 'backend' } }),
      destination('reviews', 'bookinfo', 'c2', { labels: { app: 'reviews', tier: 'backend' } }),
      destination('ratings', 'bookinfo', 'c1', { labels: { app: 'ratings', tier: 'backend' } }),
      destination('web', 'shop', 'c1', { labels: { app: 'web', tier: 'frontend' } }),
    ],
    workloads: [
      workload('productpage-v1', 'bookinfo', 'c1', {
        labels: { app: 'productpage' },
        serviceAccount: 'bookinfo-productpage',
      }),
      workload('web-v1', 'shop', 'c1', { labels: { app: 'web', tier: 'frontend' } }),
      workload('web-v1', 'shop', 'c2', { labels: { app: 'web', tier: 'frontend' } }),
    ],
  }),
);
const names = (selection: { destinations: readonly { destination: { metadata: { name: string } } }[] }) =>
  selection.destinations.map((d) => d.destination.metadata.name);

describe('selectDestinations', () => {
  it('selects every Destination when there is no selector', () => {
    assert.equal(selectDestinations([], index).destinations.length, 4);
  });

  it('selects by reference, and reports references to nothing and incomplete references', () => {
    const result = selectDestinations(
      [
        {
          kubeServiceRefs: {
            services: [
              { name: 'reviews', namespace: 'bookinfo', clusterName: 'c2' },
              { name: 'reviews', namespace: 'bookinfo', clusterName: 'c9' },
              { name: 'reviews', namespace: 'bookinfo' },
            ],
          },
        },
      ],
      index,
    );
    assert.deepEqual(names(result), ['reviews-bookinfo-c2']);
    assert.equal(result.errors.length, 2);
    assert.match(result.errors[0] ?? '', /services\[1\]: no Destination for Service bookinfo\/reviews in cluster c9/);
    assert.match(result.errors[1] ?? '', /services\[2\]: clusterName must be specified/);
  });

  it('matches labels (all of them), namespaces and clusters (any listed)', () => {
    assert.deepEqual(names(selectDestinations([{ kubeServiceMatcher: { labels: { tier: 'backend' } } }], index)), [
      'ratings-bookinfo-c1',
      'reviews-bookinfo-c1',
      'reviews-bookinfo-c2',
    ]);
    assert.deepEqual(
      names(
        selectDestinations(
          [{ kubeServiceMatcher: { labels: { tier: 'backend', app: 'reviews' }, clusters: ['c2'] } }],
          index,
        ),
      ),
      ['reviews-bookinfo-c2'],
    );
    assert.deepEqual(names(selectDestinations([{ kubeServiceMatcher: { namespaces: ['shop', 'nowhere'] } }], index)), [
      'web-shop-c1',
    ]);
    assert.deepEqual(names(selectDestinations([{ kubeServiceMatcher: {} }], index)).length, 4);
  });

  it('unions several selectors without duplicates, and rejects an empty selector', () => {
    const result = selectDestinations(
      [{ kubeServiceMatcher: { labels: { app: 'web' } } }, { kubeServiceMatcher: { namespaces: ['shop'] } }, {}],
      index,
    );
    assert.deepEqual(names(result), ['web-shop-c1']);
    assert.match(result.errors[0] ?? '', /destinationSelector\[2\]: set kubeServiceMatcher or kubeServiceRefs/);
  });

  it('evaluates one selector shape once', () => {
    const select = createDestinationSelector(index);
    const first = select([{ kubeServiceMatcher: { labels: { app: 'reviews' } } }]);
    assert.equal(select([{ kubeServiceMatcher: { labels: { app: 'reviews' } } }]), first);
  });
});

describe('source and identity selection', () => {
  const keys = (selection: ReturnType<typeof selectSourceWorkloads>) =>
    selection === 'all' ? 'all' : selection.map((w) => w.workload.metadata.name);

  it('treats no selector, or an empty one, as every workload', () => {
    assert.equal(selectSourceWorkloads(undefined, index), 'all');
    assert.equal(
      selectSourceWorkloads([{ kubeWorkloadMatcher: {} }, { kubeWorkloadMatcher: { labels: { app: 'x' } } }], index),
      'all',
    );
    assert.equal(selectIdentityWorkloads([{}], index), 'all');
  });

  it('selects workloads by labels, namespaces and clusters', () => {
    assert.deepEqual(
      keys(selectSourceWorkloads([{ kubeWorkloadMatcher: { labels: { tier: 'frontend' }, clusters: ['c2'] } }], index)),
      ['web-v1-shop-c2-deployment'],
    );
    assert.deepEqual(keys(selectSourceWorkloads([{ kubeWorkloadMatcher: { labels: { app: 'ghost' } } }], index)), []);
  });

  it('selects identities by service account (omitted fields match anything) and by namespace and cluster', () => {
    assert.deepEqual(
      keys(
        selectIdentityWorkloads(
          [
            {
              kubeServiceAccountRefs: {
                serviceAccounts: [{ name: 'bookinfo-productpage', namespace: 'bookinfo', clusterName: 'c1' }],
              },
            },
          ],
          index,
        ),
      ),
      ['productpage-v1-bookinfo-c1-deployment'],
    );
    assert.deepEqual(
      keys(selectIdentityWorkloads([{ kubeServiceAccountRefs: { serviceAccounts: [{ name: 'web-v1' }] } }], index)),
      ['web-v1-shop-c1-deployment', 'web-v1-shop-c2-deployment'],
    );
    assert.deepEqual(
      keys(selectIdentityWorkloads([{ kubeIdentityMatcher: { namespaces: ['shop'], clusters: ['c1'] } }], index)),
      ['web-v1-shop-c1-deployment'],
    );
  });

  it('keeps index order when selections from several lists are merged', () => {
    const ordered = ['productpage-v1-bookinfo-c1-deployment', 'web-v1-shop-c1-deployment', 'web-v1-shop-c2-deployment'];
    assert.deepEqual(
      keys(selectIdentityWorkloads([{ kubeIdentityMatcher: { namespaces: ['shop', 'bookinfo'] } }], index)),
      ordered,
    );
    assert.deepEqual(
      keys(
        selectSourceWorkloads(
          [
            { kubeWorkloadMatcher: { namespaces: ['shop'] } },
            { kubeWorkloadMatcher: { labels: { app: 'productpage' } } },
          ],
          index,
        ),
      ),
      ordered,
    );
  });

  it('shares one selection between policies with the same selectors', () => {
    const select = createWorkloadSelector(selectSourceWorkloads, index);
    const first = select([{ kubeWorkloadMatcher: { namespaces: ['shop'], labels: { app: 'web' } } }]);
    const second = select([{ kubeWorkloadMatcher: { labels: { app: 'web' }, namespaces: ['shop'] } }]);
    assert.equal(first, second);
    assert.deepEqual(keys(first), ['web-v1-shop-c1-deployment', 'web-v1-shop-c2-deployment']);
    assert.equal(select(undefined), 'all');
  });
});
