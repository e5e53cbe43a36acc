/**
 * Help for every `netfence` command, keyed by command name: what `netfence help CMD` and
 * `netfence CMD --help` print, and what `netfence completion` offers. Each flag is described with
 * its default, each command with its exit codes and an example. test/cli/help.test.ts checks that
 * every flag a registered command accepts is here, with the default its parser has, so a flag added
 * without help fails the test.
 */

/** Completion says what a shell may offer for a flag's value or an argument: files, directories, either, one of some words, or nothing (free text). */
export type Completion = 'file' | 'dir' | 'path' | 'none' | readonly string[];

interface FlagBase {
  /** name is the long form, `--state`. */
  readonly name: `--${string}`;
  /** short is the one-letter form, `-n`, where there is one. */
  readonly short?: `-${string}`;
  readonly description: string;
}

/** SwitchHelp is a flag without a value: off unless given. */
export interface SwitchHelp extends FlagBase {
  readonly kind: 'switch';
}

/** ValueHelp is a flag that takes a value: its placeholder, what completes it, and its default (or that it is required). */
export type ValueHelp = FlagBase & {
  readonly kind: 'value';
  /** value is the placeholder shown after the flag: `PATH`, `N`. */
  readonly value: string;
  readonly complete: Completion;
  /** repeatable: the flag may be given more than once, each adding a value. */
  readonly repeatable?: true;
} & ({ readonly default: string } | { readonly required: true });

/** FlagHelp is one flag of a command. */
export type FlagHelp = SwitchHelp | ValueHelp;

/** ArgumentHelp is one positional argument: `FILE...`. */
export interface ArgumentHelp {
  readonly name: string;
  readonly description: string;
  readonly complete: Completion;
}

/** ExitCode is one exit status a command ends with, and what it means. */
export interface ExitCode {
  readonly code: number;
  readonly meaning: string;
}

/** Example is a command line a user can run, and what it does. */
export interface Example {
  readonly comment: string;
  readonly command: string;
}

/** CommandHelp is everything `netfence help CMD` prints for one command. */
export interface CommandHelp {
  readonly name: string;
  readonly summary: string;
  /** synopsis is the usage line, without `Usage: `. */
  readonly synopsis: string;
  /** description says more than the summary: what the command reads, what it prints. */
  readonly description: string;
  readonly arguments: readonly ArgumentHelp[];
  readonly flags: readonly FlagHelp[];
  readonly exitCodes: readonly ExitCode[];
  readonly examples: readonly Example[];
}

// The exit codes every command shares (runCli makes them).
const USAGE: ExitCode = { code: 2, meaning: 'bad command line or bad input: one line on stderr names the flag, the file or the object' };
const INTERNAL: ExitCode = { code: 70, meaning: 'internal error, a bug in netfence (NETFENCE_DEBUG=1 prints the stack)' };

const OUTPUT_FORMATS = ['text', 'json', 'sarif', 'junit'] as const;

const CONFIG: ValueHelp = {
  name: '--config',
  kind: 'value',
  value: 'F',
  complete: 'file',
  default: 'the built-in defaults',
  description: 'the netfence configuration file (YAML; examples/netfence.yaml shows every field)',
};

const STATE_REQUIRED: ValueHelp = {
  name: '--state',
  kind: 'value',
  value: 'PATH',
  complete: 'path',
  required: true,
  description: 'the cluster state: a directory of YAML files or one file, as `kubectl get -o yaml` prints them',
};

const KUBECONFIG: ValueHelp = {
  name: '--kubeconfig',
  kind: 'value',
  value: 'F',
  complete: 'file',
  default: 'KUBECONFIG, in-cluster credentials, or ~/.kube/config',
  description: 'the kubeconfig of the cluster to read',
};

const JSON_SWITCH: SwitchHelp = { name: '--json', kind: 'switch', description: 'print JSON (the same as --output json)' };

const VERBOSE: SwitchHelp = {
  name: '--verbose',
  kind: 'switch',
  description: 'on stderr, name each object skipped for its kind (a ConfigMap, a Secret: netfence does not read it), not one line a file or directory that counts them by kind',
};

const SERVE: CommandHelp = {
  name: 'serve',
  summary: 'run the admission webhook (HTTPS): on a live cluster, or standalone on a state directory',
  synopsis:
    'netfence serve [--config F] [--port 8443] [--host 0.0.0.0] [--tls-cert F --tls-key F | --tls-secret NAME [--webhook-configuration NAME] [--service NAME]] [--client-ca F] [--kubeconfig F | --state DIR [--verbose]] [--certs-dir DIR] [--san NAME|IP...] [--shutdown-delay 5] [--log-format text|json]',
  description:
    'With cluster credentials (--kubeconfig, KUBECONFIG, in-cluster, or a ~/.kube/config whose cluster answers) it watches the cluster, and the replica holding the Lease provisions and repairs baselines. With none it serves a state from files (--state, default: the bundled example cluster). Without --tls-cert or --tls-secret it serves a self-signed certificate from --certs-dir and prints its CA for a caBundle. Logs go to stdout, one line per admission decision.',
  arguments: [],
  flags: [
    {
      name: '--host',
      kind: 'value',
      value: 'ADDR',
      complete: 'none',
      default: '0.0.0.0',
      description: 'the address to listen on: 0.0.0.0 every IPv4 interface, :: every interface (IPv6 and IPv4), 127.0.0.1 this machine only',
    },
    { name: '--port', kind: 'value', value: 'N', complete: 'none', default: '8443', description: 'the HTTPS port; 0 picks a free one, logged as it starts' },
    CONFIG,
    { ...KUBECONFIG, default: 'KUBECONFIG, in-cluster credentials, or a reachable ~/.kube/config; else standalone', description: 'watch the cluster of this kubeconfig' },
    { name: '--state', kind: 'value', value: 'DIR', complete: 'path', default: 'the bundled example cluster', description: 'serve a state from files instead of a cluster' },
    { ...VERBOSE, description: 'log a line for each object of the state skipped for its kind (netfence does not read it), not one line that counts them by kind' },
    { name: '--tls-cert', kind: 'value', value: 'F', complete: 'file', default: 'none: self-signed, see --certs-dir', description: 'serve this certificate (PEM), reloaded when the file changes; goes with --tls-key' },
    { name: '--tls-key', kind: 'value', value: 'F', complete: 'file', default: 'none', description: 'the private key (PEM) of --tls-cert' },
    {
      name: '--tls-secret',
      kind: 'value',
      value: 'NAME',
      complete: 'none',
      default: 'none',
      description: "self-managed certificates (cluster mode): kept in this Secret, their CA written into the webhook configurations' caBundle",
    },
    { name: '--webhook-configuration', kind: 'value', value: 'NAME', complete: 'none', default: 'netfence', description: 'the validating and mutating webhook configurations whose caBundle --tls-secret keeps' },
    { name: '--service', kind: 'value', value: 'NAME', complete: 'none', default: 'netfence', description: "the Service the API server calls netfence by, for the certificate's names" },
    { name: '--client-ca', kind: 'value', value: 'F', complete: 'file', default: 'none: no client certificate is asked for', description: 'require client certificates signed by this CA (PEM)' },
    {
      name: '--certs-dir',
      kind: 'value',
      value: 'DIR',
      complete: 'dir',
      default: 'certs',
      description: 'where the self-signed certificate is kept when neither --tls-cert nor --tls-secret is given; its CA is kept across restarts, so a caBundle registered once still matches when --san changes',
    },
    { name: '--san', kind: 'value', value: 'NAME|IP', complete: 'none', repeatable: true, default: 'none', description: 'another name or address for the certificate, e.g. the address the API server calls' },
    { name: '--shutdown-delay', kind: 'value', value: 'SECONDS', complete: 'none', default: '5', description: 'on SIGTERM, keep serving this long while /readyz answers 503' },
    {
      name: '--log-format',
      kind: 'value',
      value: 'FORMAT',
      complete: ['text', 'json'],
      default: 'text on a terminal, json otherwise',
      description: 'the format of the log lines: json (one JSON object a line, for log collectors) or text (the same lines made readable, for a person)',
    },
  ],
  exitCodes: [
    { code: 0, meaning: 'stopped by SIGTERM (after --shutdown-delay) or Ctrl-C' },
    { ...USAGE, meaning: 'bad command line, configuration or state, or a port it cannot listen on' },
    INTERNAL,
  ],
  examples: [
    { comment: 'standalone on the bundled example cluster, reachable from the API server at 192.168.1.20', command: 'netfence serve --port 9443 --san 192.168.1.20' },
    { comment: 'in a pod: certificates from a mounted Secret, JSON logs', command: 'netfence serve --config /etc/netfence/config.yaml --tls-cert /tls/tls.crt --tls-key /tls/tls.key --log-format json' },
  ],
};

const CHECK: CommandHelp = {
  name: 'check',
  summary: 'apply manifests on top of a state offline, as admission would, and print every finding',
  synopsis: 'netfence check --state PATH (FILE... | -) [-n NS] [--output text|json|sarif|junit] [--config F] [--user NAME] [--group G...] [--verbose]',
  description:
    'Each object of the manifests is judged in order as the webhook would judge it (CREATE, or UPDATE when the state has it) and, when admitted, applied to the state, so later documents see it. For CI pipelines and GitOps repositories: `kustomize build | netfence check --state S -`.',
  arguments: [{ name: 'FILE...', description: 'YAML or JSON manifests, or directories of them; - reads standard input', complete: 'path' }],
  flags: [
    STATE_REQUIRED,
    {
      name: '--output',
      short: '-o',
      kind: 'value',
      value: 'FORMAT',
      complete: OUTPUT_FORMATS,
      default: 'text',
      description: 'the report\'s format: text for people, json ({"denied", "findings"}), sarif (SARIF 2.1.0, for code scanning) or junit (JUnit XML, a test case per object)',
    },
    JSON_SWITCH,
    { name: '--namespace', short: '-n', kind: 'value', value: 'NS', complete: 'none', default: 'default', description: 'the namespace of manifests that name none, as kubectl -n' },
    CONFIG,
    { name: '--user', kind: 'value', value: 'NAME', complete: 'none', default: 'netfence-check', description: 'the user the changes are made as (rules such as baseline-opt-out depend on who asks)' },
    { name: '--group', kind: 'value', value: 'G', complete: 'none', repeatable: true, default: 'none', description: 'a group of that user, e.g. system:masters' },
    VERBOSE,
  ],
  exitCodes: [
    { code: 0, meaning: 'every object would be admitted in enforce mode (warnings allowed)' },
    { code: 1, meaning: 'some object would be denied in enforce mode, or refused by the API server' },
    { ...USAGE, meaning: 'bad command line, bad input, or no manifest at all' },
    INTERNAL,
  ],
  examples: [
    { comment: "check a pull request's manifests against a snapshot of the cluster", command: 'netfence check --state cluster-snapshot/ manifests/*.yaml' },
    { comment: 'a kustomization, as SARIF for code scanning', command: 'kustomize build overlays/prod | netfence check --state cluster-snapshot/ - --output sarif > netfence.sarif' },
  ],
};

const DIFF: CommandHelp = {
  name: 'diff',
  summary: 'every connection a change opens or closes, with exact ports (manifests, a second state, an adoption)',
  synopsis: 'netfence diff --state PATH (FILE... | - | --after PATH | --adopt NS [--profile P]) [-n NS] [--json] [--config F] [--user NAME] [--group G...] [--verbose]',
  description:
    'Compares the state with the state after a change, and prints every connection whose allowed ports change, grouped by namespace pair: the ports opened and closed as ranges, and the changed policies that decide it. The change is manifests applied on top of the state as check applies them (a denied object is not applied; a manifest annotated netfence.io/delete: "true" deletes the NetworkPolicy or Namespace it names), a second state (an object missing from it is deleted), or a namespace adopted with its baseline profile.',
  arguments: [{ name: 'FILE...', description: 'YAML or JSON manifests, or directories of them; - reads standard input', complete: 'path' }],
  flags: [
    STATE_REQUIRED,
    { name: '--after', kind: 'value', value: 'PATH', complete: 'path', default: 'none', description: 'a second state to compare with: the whole cluster after the change' },
    { name: '--adopt', kind: 'value', value: 'NS', complete: 'none', default: 'none', description: "compare with the namespace adopted: labelled netfence.io/baseline, its profile's policies in place" },
    { name: '--profile', kind: 'value', value: 'P', complete: 'none', default: "the namespace's own profile when adopted, else the configuration's defaultProfile", description: 'the baseline profile --adopt provisions' },
    { name: '--json', kind: 'switch', description: 'print JSON (docs/commands.md documents its shape)' },
    { name: '--namespace', short: '-n', kind: 'value', value: 'NS', complete: 'none', default: 'default', description: 'the namespace of manifests that name none, as kubectl -n' },
    CONFIG,
    { name: '--user', kind: 'value', value: 'NAME', complete: 'none', default: 'netfence-diff', description: 'the user the changes are made as (rules such as managed-policy-change depend on who asks)' },
    { name: '--group', kind: 'value', value: 'G', complete: 'none', repeatable: true, default: 'none', description: 'a group of that user, e.g. system:masters' },
    VERBOSE,
  ],
  exitCodes: [{ code: 0, meaning: 'no connection opens or closes' }, { code: 1, meaning: 'some connection opens or closes (a review is due)' }, USAGE, INTERNAL],
  examples: [
    { comment: "what a pull request's manifests open and close", command: 'netfence diff --state cluster-snapshot/ manifests/*.yaml' },
    { comment: 'what adopting team-b would cut', command: 'netfence diff --state examples/cluster --adopt team-b' },
  ],
};

const SIMULATE: CommandHelp = {
  name: 'simulate',
  summary: 'may these pods reach those, on which ports, by which policies? (or a truth table for a port)',
  synopsis: 'netfence simulate --state PATH [--from ENDPOINT] [--to ENDPOINT] --port PORT|FROM-TO|NAME|any[/PROTO] [--json] [--verbose]',
  description:
    'Answers with the policies and rules that decide, egress of the source and ingress of the destination. An ENDPOINT is a namespace (team-a, meaning all its pods; team-a: says the same), a pod (team-a/web-0), a workload (team-a/Deployment/web, kubectl\'s kind names too: its pods, or the pod template standing for them), a label query in a namespace (team-a:app=web; kubectl\'s syntax: k=v,k!=v,k in (a,b),k notin (a,b),k,!k; *:app=web in every namespace), * (every pod) or an IP address (a host outside the cluster). One pod to one pod is explained rule by rule; more pods are answered as groups of connections answered alike (same ports, same rules), with totals. With a range or any, the answer is the exact set of ports allowed, as ranges. A pod may always reach itself ("a pod cannot block access to itself"): such pairs are said apart, never denied. Leave out --from or --to with one port and it prints the truth table for the port: every pod of the state against every pod (or the endpoint given); leave one out with a range, a name or any and the missing side is every pod.',
  arguments: [],
  flags: [
    STATE_REQUIRED,
    { name: '--from', kind: 'value', value: 'ENDPOINT', complete: 'none', default: 'every pod of the state', description: 'the source: NS, NS/POD, NS/KIND/NAME, NS:LABELS, *:LABELS, * or an IP address' },
    { name: '--to', kind: 'value', value: 'ENDPOINT', complete: 'none', default: 'every pod of the state', description: 'the destination, written as --from' },
    {
      name: '--port',
      kind: 'value',
      value: 'PORTS',
      complete: 'none',
      required: true,
      description:
        'a port (80, 53/UDP), a range (8080-8090/TCP), a named container port resolved on each destination pod (http; pods without it are not asked), or any (any/UDP: one protocol) for the set of ports allowed. A number or range without /PROTO is TCP',
    },
    { name: '--json', kind: 'switch', description: 'print JSON: the query as read, then the answer (one connection, a truth table, or groups with totals)' },
    VERBOSE,
  ],
  exitCodes: [
    { code: 0, meaning: 'everything asked is allowed: every port asked, for every connection between different pods (for any: some port for each); or a truth table was printed' },
    { code: 1, meaning: 'something asked is denied: some connection misses some port asked (for any: has no port at all)' },
    { code: 2, meaning: 'bad command line or bad input (an unknown namespace, pod or workload, a label query matching no pod, a bad range): one line on stderr says which' },
    INTERNAL,
  ],
  examples: [
    { comment: 'can the reports pod resolve names over UDP?', command: 'netfence simulate --state examples/cluster --from team-b/reports-7f9b6d5c4-h5x2n --to kube-system/coredns-5d78c9869d-4xk2p --port 53/UDP' },
    { comment: 'which ports may the ingress controller use to each pod of team-a?', command: 'netfence simulate --state examples/cluster --from ingress-nginx --to team-a --port any' },
    { comment: 'may team-b reach the DNS pods at all?', command: "netfence simulate --state examples/cluster --from team-b --to 'kube-system:k8s-app=kube-dns' --port any" },
  ],
};

const REPORT: CommandHelp = {
  name: 'report',
  summary: "one self-contained HTML page of the cluster's reachability: heatmap, drill-down, explanations, findings",
  synopsis: 'netfence report --html OUT [--state PATH [--verbose] | --kubeconfig F] [--config F]',
  description:
    'Writes one HTML file that loads nothing (no network, no fonts; it works from file://): a namespace by namespace heatmap coloured by the share of pod pairs that may connect on some port, the workload by workload matrix of the pair you select, and for a workload pair the exact allowed ports with the policies and rules that allow them, or the policies that isolate the pods and that no rule of theirs allows it. The audit\'s findings are listed per namespace, the pods serving essential services (cluster DNS) are marked, and so are the pods that cannot use them. Without --state it reads the live cluster, every namespace\'s pods included.',
  arguments: [],
  flags: [
    { name: '--html', kind: 'value', value: 'OUT', complete: 'file', required: true, description: 'the file to write the page to; - writes it to standard output' },
    { name: '--state', kind: 'value', value: 'PATH', complete: 'path', default: 'none: the live cluster', description: 'report on a state from files (a directory of YAML files or one file) instead of a cluster' },
    { ...KUBECONFIG, description: 'the cluster to read' },
    CONFIG,
    { ...VERBOSE, description: `with --state: ${VERBOSE.description}` },
  ],
  exitCodes: [{ code: 0, meaning: 'the page was written' }, { ...USAGE, meaning: 'bad command line or bad input, or OUT cannot be written' }, INTERNAL],
  examples: [
    { comment: 'the bundled example cluster', command: 'netfence report --state examples/cluster --html report.html' },
    { comment: 'the current kubeconfig context', command: 'netfence report --html cluster-report.html' },
  ],
};

const INTENTS: CommandHelp = {
  name: 'intents',
  summary: 'the NetworkPolicies ClientIntents call for, proven exact against the state',
  synopsis: 'netfence intents generate --state PATH [FILE... | -] [--output yaml|json] [--config F] [--verbose]',
  description:
    "Reads ClientIntents (k8s.otterize.com v2beta1 and v2alpha1; v1alpha3 and v1beta1 converted) from the state and the FILEs and writes, label-free and port-exact, one egress policy per client (its targets and its essential services) and one ingress policy per server (every client that names it). Before printing, netfence proves them with its engine: each declared connection open on exactly its ports, nothing else opened by them between the pods the intents govern (what other policies open is reported), essential services kept, every policy passing the guardrails. Notices and the proof go to stderr.",
  arguments: [
    { name: 'generate', description: 'the subcommand', complete: ['generate'] },
    { name: 'FILE...', description: 'ClientIntents files or directories; - reads standard input', complete: 'path' },
  ],
  flags: [
    STATE_REQUIRED,
    { name: '--output', short: '-o', kind: 'value', value: 'FORMAT', complete: ['yaml', 'json'], default: 'yaml', description: 'yaml (documents for kubectl apply -f -) or json (a v1 List)' },
    CONFIG,
    VERBOSE,
  ],
  exitCodes: [
    { code: 0, meaning: 'the policies are proven and printed' },
    { code: 1, meaning: 'the proof failed: nothing is printed, stderr says why' },
    { ...USAGE, meaning: 'bad command line, bad intents (the file, line and field), or no ClientIntents at all' },
    INTERNAL,
  ],
  examples: [
    { comment: 'the policies of a GitOps repository\'s intents, applied', command: 'netfence intents generate --state cluster-snapshot/ intents/ | kubectl apply -f -' },
    { comment: 'the tutorial: client may call server, client-other may not', command: 'netfence intents generate --state examples/intents' },
  ],
};

const BASELINE: CommandHelp = {
  name: 'baseline',
  summary: 'print the baseline policies that would be provisioned in a namespace, as YAML',
  synopsis: 'netfence baseline NAMESPACE [--profile P] [--config F]',
  description: 'The policies netfence provisions in a namespace adopted with a profile, ready for `kubectl apply -f -`. Exempt namespaces and netfence\'s own are refused.',
  arguments: [{ name: 'NAMESPACE', description: 'the namespace to render the profile for', complete: 'none' }],
  flags: [
    { name: '--profile', kind: 'value', value: 'P', complete: 'none', default: "the configuration's defaultProfile (default)", description: 'the baseline profile to render' },
    CONFIG,
  ],
  exitCodes: [{ code: 0, meaning: 'the policies were printed' }, { ...USAGE, meaning: 'bad command line, an exempt or invalid namespace, or an unknown profile' }, INTERNAL],
  examples: [{ comment: "provision team-c by hand, as netfence would", command: 'netfence baseline team-c | kubectl apply -f -' }],
};

const CERTS: CommandHelp = {
  name: 'certs',
  summary: 'write a CA and a serving certificate (ca.crt, tls.crt, tls.key) for the webhook',
  synopsis: 'netfence certs --out DIR (--dns NAME... | --service NAME.NAMESPACE) [--ip IP...] [--days 365] [--force]',
  description: "Writes ca.crt, tls.crt and tls.key (0600) into --out and prints the CA base64-encoded: a webhook configuration's caBundle.",
  arguments: [],
  flags: [
    { name: '--out', kind: 'value', value: 'DIR', complete: 'dir', required: true, description: 'the directory to write the three files into' },
    { name: '--dns', kind: 'value', value: 'NAME', complete: 'none', repeatable: true, default: 'none', description: 'a DNS name the API server calls netfence by' },
    { name: '--service', kind: 'value', value: 'NAME.NAMESPACE', complete: 'none', default: 'none', description: "a Service's names: NAME.NAMESPACE.svc and NAME.NAMESPACE.svc.cluster.local" },
    { name: '--ip', kind: 'value', value: 'IP', complete: 'none', repeatable: true, default: 'none', description: 'an IP address for the certificate' },
    { name: '--days', kind: 'value', value: 'N', complete: 'none', default: '365', description: 'how long the serving certificate is valid' },
    { name: '--force', kind: 'switch', description: 'replace files that exist' },
  ],
  exitCodes: [{ code: 0, meaning: 'the files were written' }, USAGE, INTERNAL],
  examples: [{ comment: 'for the chart installed as netfence in namespace netfence', command: 'netfence certs --out certs/ --service netfence.netfence' }],
};

const AUDIT: CommandHelp = {
  name: 'audit',
  summary: 'scan a live cluster (or a state directory) and report every broken guardrail',
  synopsis: 'netfence audit [--output text|json|sarif|junit] [--config F] [--kubeconfig F | --state PATH [--verbose]] [--dry-run]',
  description:
    'Reports every namespace and policy that breaks a guardrail today, and the namespaces not adopted yet with the pods adopting them would isolate. On a live cluster it also writes PolicyReports (wgpolicyk8s.io) where that CRD is installed.',
  arguments: [],
  flags: [
    {
      name: '--output',
      short: '-o',
      kind: 'value',
      value: 'FORMAT',
      complete: OUTPUT_FORMATS,
      default: 'text',
      description: 'the report\'s format: text for people, json ({"findings"}), sarif (SARIF 2.1.0, for code scanning) or junit (JUnit XML, a test case per namespace)',
    },
    JSON_SWITCH,
    CONFIG,
    { ...KUBECONFIG, default: 'KUBECONFIG, in-cluster credentials, or ~/.kube/config', description: 'the cluster to scan' },
    { name: '--state', kind: 'value', value: 'PATH', complete: 'path', default: 'none: the live cluster', description: 'scan a state from files instead of a cluster' },
    { name: '--dry-run', kind: 'switch', description: 'write no PolicyReport' },
    { ...VERBOSE, description: `with --state: ${VERBOSE.description}` },
  ],
  exitCodes: [{ code: 0, meaning: 'no finding of deny severity (warnings allowed)' }, { code: 1, meaning: 'some guardrail is broken (a finding of deny severity)' }, USAGE, INTERNAL],
  examples: [
    { comment: 'the current kubeconfig context, reports left as they are', command: 'netfence audit --dry-run' },
    { comment: 'a snapshot, as JSON', command: 'netfence audit --state cluster-snapshot/ --output json' },
  ],
};

const REVIEW: CommandHelp = {
  name: 'review',
  summary: 'evaluate one AdmissionReview offline and print the response the webhook would send',
  synopsis: 'netfence review --state PATH --request FILE|- [--webhook validate|mutate] [--config F] [--verbose]',
  description: 'Like kwctl run --request-path: the AdmissionReview (admission.k8s.io/v1, as the API server sends it) is answered against the state as the webhook would answer it.',
  arguments: [],
  flags: [
    STATE_REQUIRED,
    { name: '--request', kind: 'value', value: 'FILE', complete: 'file', required: true, description: 'the AdmissionReview request, JSON or YAML; - reads standard input' },
    CONFIG,
    { name: '--webhook', kind: 'value', value: 'WEBHOOK', complete: ['validate', 'mutate'], default: 'validate', description: 'which webhook answers: validate (POST /validate) or mutate (POST /mutate)' },
    VERBOSE,
  ],
  exitCodes: [{ code: 0, meaning: 'allowed' }, { code: 1, meaning: 'denied' }, USAGE, INTERNAL],
  examples: [{ comment: 'a captured request against the example cluster', command: 'netfence review --state examples/cluster --request examples/admission-review.json' }],
};

const TEST: CommandHelp = {
  name: 'test',
  summary: 'run test suites: a state, manifests, and the admission results and connections expected',
  synopsis: 'netfence test (DIR | FILE)... [--output text|junit] [--verbose]',
  description: 'A suite (netfence-test.yaml) names a state, manifests, the admission result expected for each object (allowed or denied, with the rules) and connections expected open or closed once the admitted manifests are applied. Runs every suite given or found under each DIR and prints a table of its cases.',
  arguments: [{ name: 'PATH...', description: 'suite files, or directories searched for netfence-test.yaml and NAME.netfence-test.yaml files', complete: 'path' }],
  flags: [
    { name: '--output', short: '-o', kind: 'value', value: 'FORMAT', complete: ['text', 'junit'], default: 'text', description: 'the report\'s format: text for people or junit (JUnit XML, a test case per expectation)' },
    { ...VERBOSE, description: "on stderr, name each object of a suite's state or manifests skipped for its kind (netfence does not read it), not one line a path that counts them by kind" },
  ],
  exitCodes: [{ code: 0, meaning: 'every expectation holds' }, { code: 1, meaning: 'some expectation does not hold' }, { ...USAGE, meaning: 'bad command line, a bad suite, or no suite found' }, INTERNAL],
  examples: [
    { comment: 'the suite shipped with the example cluster', command: 'netfence test examples/tests/' },
    { comment: 'every suite of a repository, as a JUnit report for CI', command: 'netfence test . --output junit > netfence-junit.xml' },
  ],
};

const COMPLETION: CommandHelp = {
  name: 'completion',
  summary: 'print a shell completion script for bash or zsh',
  synopsis: 'netfence completion bash|zsh',
  description: 'Completes commands, their flags, and the flags\' values where they are files, directories or one of a few words.',
  arguments: [{ name: 'SHELL', description: 'bash or zsh', complete: ['bash', 'zsh'] }],
  flags: [],
  exitCodes: [{ code: 0, meaning: 'the script was printed' }, USAGE, INTERNAL],
  examples: [
    { comment: 'bash, this shell only (or save it as ~/.local/share/bash-completion/completions/netfence)', command: 'source <(netfence completion bash)' },
    { comment: 'zsh: into a directory of $fpath, then start a new shell', command: 'netfence completion zsh > "${fpath[1]}/_netfence"' },
  ],
};

const HELP: CommandHelp = {
  name: 'help',
  summary: "list the commands, or show a command's help",
  synopsis: 'netfence help [COMMAND]',
  description: 'The same as `netfence COMMAND --help`.',
  arguments: [{ name: 'COMMAND', description: 'the command to explain', complete: 'none' }],
  flags: [],
  exitCodes: [{ code: 0, meaning: 'help was printed' }, { code: 2, meaning: 'no such command' }],
  examples: [{ comment: "check's flags, exit codes and examples", command: 'netfence help check' }],
};

/** COMMAND_HELP is the help of every command, registered or about to be, keyed by name. */
export const COMMAND_HELP: ReadonlyMap<string, CommandHelp> = new Map([SERVE, CHECK, DIFF, REPORT, SIMULATE, INTENTS, BASELINE, CERTS, AUDIT, REVIEW, TEST, COMPLETION, HELP].map((help) => [help.name, help]));

/** flagLabel is a flag as the help lists it: `-n, --namespace NS`. */
export function flagLabel(flag: FlagHelp): string {
  const names = flag.short === undefined ? flag.name : `${flag.short}, ${flag.name}`;
  return flag.kind === 'switch' ? names : `${names} ${flag.value}`;
}

/** flagDefault says a flag's default as the help prints it: `(default: 8443)`, `(required)`, `(repeatable; default: none)`, or nothing for a switch (off unless given). */
export function flagDefault(flag: FlagHelp): string | undefined {
  if (flag.kind === 'switch') return undefined;
  const value = 'required' in flag ? 'required' : `default: ${flag.default}`;
  return flag.repeatable === true ? `(repeatable; ${value})` : `(${value})`;
}

const WIDTH = 120;

/** wrap breaks text at spaces into lines that fit in WIDTH columns after `indent` columns. */
function wrap(text: string, indent: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && indent + line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** table prints rows of a label and a text, the texts aligned and wrapped. */
function table(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  return rows.flatMap(([label, text]) => {
    const [first = '', ...rest] = wrap(text, 2 + width);
    return [`  ${label.padEnd(width)}${first}`.trimEnd(), ...rest.map((line) => `${' '.repeat(2 + width)}${line}`)];
  });
}

/** formatCommandHelp is the text of `netfence help CMD`. */
export function formatCommandHelp(help: CommandHelp): string {
  const flags = help.flags.map((flag): [string, string] => [flagLabel(flag), [flag.description, flagDefault(flag)].filter((part) => part !== undefined).join(' ')]);
  flags.push(['-h, --help', 'show this help']);
  return [
    `netfence ${help.name}: ${help.summary}`,
    '',
    `Usage: ${help.synopsis}`,
    '',
    ...wrap(help.description, 0),
    ...(help.arguments.length === 0 ? [] : ['', 'Arguments:', ...table(help.arguments.map((argument) => [argument.name, argument.description]))]),
    '',
    'Options (switches are off unless given):',
    ...table(flags),
    '',
    'Exit codes:',
    ...table(help.exitCodes.map((exit) => [String(exit.code), exit.meaning])),
    '',
    help.examples.length === 1 ? 'Example:' : 'Examples:',
    ...help.examples.flatMap((example) => [`  # ${example.comment}`, `  ${example.command}`]),
  ].join('\n');
}
