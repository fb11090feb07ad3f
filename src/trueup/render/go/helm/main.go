// Command helm is trueup's Helm render helper, built from the pinned helm.sh/helm/v4 module.
//
// Called without arguments it reads one JSON request on stdin, renders the chart it names
// with Helm's own template engine in client-only mode (no plugins, no post-renderer, and
// `lookup` returns nothing unless the request gives it a cluster to read as a user it
// impersonates) and writes one JSON result on stdout. Called as
// `helm-helper helm ARGS…` it runs Helm's own command line, so tests can compare with
// `helm template` of exactly the same Helm.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/template"
	"time"

	"k8s.io/client-go/rest"

	"helm.sh/helm/v4/pkg/action"
	ci "helm.sh/helm/v4/pkg/chart"
	"helm.sh/helm/v4/pkg/chart/common"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/cli"
	"helm.sh/helm/v4/pkg/cli/values"
	helmcmd "helm.sh/helm/v4/pkg/cmd"
	"helm.sh/helm/v4/pkg/downloader"
	"helm.sh/helm/v4/pkg/engine"
	"helm.sh/helm/v4/pkg/getter"
	"helm.sh/helm/v4/pkg/registry"
	release "helm.sh/helm/v4/pkg/release/v1"
)

// request is what trueup asks for: one chart, its values and the target's capabilities.
type request struct {
	// ChartPath is a chart directory or archive on disk; used when Repository is empty.
	ChartPath string `json:"chartPath"`
	// Repository is an HTTP chart repository URL or an oci:// registry prefix.
	Repository string `json:"repository"`
	// Chart is the chart's name in Repository.
	Chart string `json:"chart"`
	// Version is an exact version or a semver range.
	Version   string `json:"version"`
	PlainHTTP bool   `json:"plainHTTP"`
	// ValuesFiles are merged in order, later files winning, like `helm template -f`.
	ValuesFiles []string `json:"valuesFiles"`
	ReleaseName string   `json:"releaseName"`
	Namespace   string   `json:"namespace"`
	KubeVersion string   `json:"kubeVersion"`
	APIVersions []string `json:"apiVersions"`
	IncludeCRDs bool     `json:"includeCRDs"`
	// WorkDir holds Helm's repository files and caches for this run.
	WorkDir string `json:"workDir"`
	// ContentCache holds pulled charts keyed by their digest, shared between runs.
	ContentCache string `json:"contentCache"`
	// Twice renders the templates a second time, to find fields that change at every render.
	Twice bool `json:"twice"`
	// Lookup lets `lookup` read the cluster; nil keeps Helm's client-only `lookup`.
	Lookup *lookupAccess `json:"lookup"`
}

// lookupAccess is how `lookup` reaches the cluster: trueup's credentials, acting as
// ImpersonateUser (the App's service account) on every request.
type lookupAccess struct {
	Server          string `json:"server"`
	ImpersonateUser string `json:"impersonateUser"`
	CAData          string `json:"caData"`
	CertData        string `json:"certData"`
	KeyData         string `json:"keyData"`
	Token           string `json:"token"`
	TLSServerName   string `json:"tlsServerName"`
	Insecure        bool   `json:"insecure"`
	TimeoutSeconds  int    `json:"timeoutSeconds"`
}

type document struct {
	Source  string `json:"source"`
	Content string `json:"content"`
}

type hook struct {
	Source         string   `json:"source"`
	Kind           string   `json:"kind"`
	Name           string   `json:"name"`
	Content        string   `json:"content"`
	Events         []string `json:"events"`
	Weight         int      `json:"weight"`
	DeletePolicies []string `json:"deletePolicies"`
}

type chartInfo struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Digest  string `json:"digest"`
}

type result struct {
	Chart     chartInfo  `json:"chart"`
	Manifests []document `json:"manifests"`
	CRDs      []document `json:"crds"`
	Hooks     []hook     `json:"hooks"`
	// Again holds the manifests of the second render (with Twice).
	Again []document `json:"again,omitempty"`
	Error string     `json:"error,omitempty"`
}

func main() {
	if filepath.Base(os.Args[0]) == "helm" {
		os.Exit(runAsHelm(os.Args[1:])) // kustomize's --helm-command (see ashelm.go)
	}
	if len(os.Args) > 1 && os.Args[1] == "helm" {
		os.Exit(runCLI(os.Args[2:]))
	}
	var req request
	decoder := json.NewDecoder(io.LimitReader(os.Stdin, 64<<20))
	decoder.DisallowUnknownFields()
	out, err := func() (*result, error) {
		if err := decoder.Decode(&req); err != nil {
			return nil, fmt.Errorf("reading the request: %w", err)
		}
		return render(&req)
	}()
	encoder := json.NewEncoder(os.Stdout)
	if err != nil {
		_ = encoder.Encode(result{Error: err.Error()})
		os.Exit(1)
	}
	if err := encoder.Encode(out); err != nil {
		os.Exit(2)
	}
}

func runCLI(args []string) int {
	cmd, err := helmcmd.NewRootCmd(os.Stdout, args, helmcmd.SetupLogging)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cmd.SetArgs(args)
	if err := cmd.Execute(); err != nil {
		if cerr, ok := errors.AsType[helmcmd.CommandError](err); ok {
			return cerr.ExitCode
		}
		return 1
	}
	return 0
}

func settingsFor(req *request) *cli.EnvSettings {
	settings := cli.New()
	settings.RepositoryConfig = filepath.Join(req.WorkDir, "repositories.yaml")
	settings.RepositoryCache = filepath.Join(req.WorkDir, "repository")
	settings.RegistryConfig = filepath.Join(req.WorkDir, "registry.json")
	settings.PluginsDirectory = filepath.Join(req.WorkDir, "plugins")
	settings.ContentCache = req.ContentCache
	if settings.ContentCache == "" {
		settings.ContentCache = filepath.Join(req.WorkDir, "content")
	}
	return settings
}

func registryClient(req *request, settings *cli.EnvSettings) (*registry.Client, error) {
	options := []registry.ClientOption{
		registry.ClientOptWriter(io.Discard),
		registry.ClientOptCredentialsFile(settings.RegistryConfig),
	}
	if req.PlainHTTP {
		options = append(options, registry.ClientOptPlainHTTP())
	}
	return registry.NewClient(options...)
}

// locate returns the chart's path on disk and the digest of its archive ("" for a directory).
func locate(req *request, settings *cli.EnvSettings, client *action.Install) (string, string, error) {
	if req.Repository == "" {
		return req.ChartPath, "", nil
	}
	name := req.Chart
	if registry.IsOCI(req.Repository) {
		name = strings.TrimSuffix(req.Repository, "/") + "/" + req.Chart
	} else {
		client.RepoURL = req.Repository
	}
	client.Version = req.Version
	client.PlainHTTP = req.PlainHTTP
	path, err := client.LocateChart(name, settings)
	if err != nil {
		return "", "", err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", "", err
	}
	sum := sha256.Sum256(data)
	return path, "sha256:" + hex.EncodeToString(sum[:]), nil
}

func render(req *request) (*result, error) {
	settings := settingsFor(req)
	regClient, err := registryClient(req, settings)
	if err != nil {
		return nil, err
	}
	cfg := action.NewConfiguration()
	if req.Lookup != nil {
		lookup, err := lookupFunction(req.Lookup)
		if err != nil {
			return nil, err
		}
		// The render stays client-only; only `lookup` reads the cluster.
		cfg.CustomTemplateFuncs = template.FuncMap{"lookup": lookup}
	}
	client := action.NewInstall(cfg)
	client.SetRegistryClient(regClient)
	client.DryRunStrategy = action.DryRunClient
	client.Replace = true
	client.ReleaseName = req.ReleaseName
	client.Namespace = req.Namespace
	client.IncludeCRDs = false
	client.APIVersions = common.VersionSet(req.APIVersions)
	if req.KubeVersion != "" {
		kubeVersion, err := common.ParseKubeVersion(req.KubeVersion)
		if err != nil {
			return nil, fmt.Errorf("invalid Kubernetes version %q: %w", req.KubeVersion, err)
		}
		client.KubeVersion = kubeVersion
	}

	path, digest, err := locate(req, settings, client)
	if err != nil {
		return nil, fmt.Errorf("locating the chart: %w", err)
	}
	providers := getter.All(settings)
	chrt, err := loader.Load(path)
	if err != nil {
		return nil, fmt.Errorf("loading the chart: %w", err)
	}
	if deps := chrt.Metadata.Dependencies; len(deps) > 0 {
		if err := action.CheckDependencies(chrt, toDependencies(deps)); err != nil {
			if chrt, err = updateDependencies(path, providers, regClient, settings); err != nil {
				return nil, err
			}
		}
	}
	vals, err := (&values.Options{ValueFiles: req.ValuesFiles}).MergeValues(providers)
	if err != nil {
		return nil, fmt.Errorf("reading the values: %w", err)
	}
	releaser, err := client.RunWithContext(context.Background(), chrt, vals)
	if err != nil {
		return nil, err
	}
	rel, ok := releaser.(*release.Release)
	if !ok {
		return nil, errors.New("unexpected release type")
	}
	out := &result{
		Chart:     chartInfo{Name: chrt.Metadata.Name, Version: chrt.Metadata.Version, Digest: digest},
		Manifests: splitManifest(rel.Manifest),
		CRDs:      []document{},
		Hooks:     []hook{},
	}
	if req.IncludeCRDs {
		for _, crd := range chrt.CRDObjects() {
			out.CRDs = append(out.CRDs, document{Source: crd.Filename, Content: string(crd.File.Data)})
		}
	}
	for _, h := range rel.Hooks {
		out.Hooks = append(out.Hooks, toHook(h))
	}
	if req.Twice {
		again, err := client.RunWithContext(context.Background(), chrt, vals)
		if err != nil {
			return nil, err
		}
		if rel, ok := again.(*release.Release); ok {
			out.Again = splitManifest(rel.Manifest)
		}
	}
	return out, nil
}

// lookupFunction is Helm's own cluster-backed `lookup`, every request of which carries
// `Impersonate-User`: the cluster's RBAC for that user decides what it may read.
func lookupFunction(access *lookupAccess) (any, error) {
	if access.ImpersonateUser == "" {
		return nil, errors.New("lookup needs a user to act as; it never runs with trueup's own rights")
	}
	config := &rest.Config{
		Host:        access.Server,
		BearerToken: access.Token,
		Impersonate: rest.ImpersonationConfig{UserName: access.ImpersonateUser},
		TLSClientConfig: rest.TLSClientConfig{
			Insecure:   access.Insecure,
			ServerName: access.TLSServerName,
			CAData:     []byte(access.CAData),
			CertData:   []byte(access.CertData),
			KeyData:    []byte(access.KeyData),
		},
		Timeout:   time.Duration(access.TimeoutSeconds) * time.Second,
		UserAgent: "trueup-helm-lookup",
	}
	return engine.NewLookupFunction(config), nil
}

func toDependencies(deps []*chart.Dependency) []ci.Dependency {
	out := make([]ci.Dependency, len(deps))
	for i, dep := range deps {
		out[i] = dep
	}
	return out
}

// updateDependencies fetches what Chart.yaml requires into the chart's charts/ folder
// (trueup hands the helper a private copy of the chart) and loads the chart again.
func updateDependencies(
	path string, providers getter.Providers, regClient *registry.Client, settings *cli.EnvSettings,
) (*chart.Chart, error) {
	info, err := os.Stat(path)
	if err != nil || !info.IsDir() {
		return nil, fmt.Errorf("the chart archive %s lacks the dependencies its Chart.yaml names", filepath.Base(path))
	}
	manager := &downloader.Manager{
		Out:              io.Discard,
		ChartPath:        path,
		Getters:          providers,
		RegistryClient:   regClient,
		RepositoryConfig: settings.RepositoryConfig,
		RepositoryCache:  settings.RepositoryCache,
		ContentCache:     settings.ContentCache,
	}
	if err := manager.Update(); err != nil {
		return nil, fmt.Errorf("resolving the chart's dependencies: %w", err)
	}
	chrt, err := loader.Load(path)
	if err != nil {
		return nil, fmt.Errorf("loading the chart after resolving its dependencies: %w", err)
	}
	return chrt, nil
}

var sourceLine = regexp.MustCompile(`(?m)^---\n# Source: (.*)\n`)

// splitManifest cuts Helm's manifest ("---\n# Source: NAME\nCONTENT\n" per document) apart.
func splitManifest(manifest string) []document {
	out := []document{}
	bounds := sourceLine.FindAllStringSubmatchIndex(manifest, -1)
	for i, bound := range bounds {
		end := len(manifest)
		if i+1 < len(bounds) {
			end = bounds[i+1][0]
		}
		content := strings.TrimSuffix(manifest[bound[1]:end], "\n")
		out = append(out, document{Source: manifest[bound[2]:bound[3]], Content: content})
	}
	return out
}

func toHook(h *release.Hook) hook {
	events := make([]string, 0, len(h.Events))
	for _, event := range h.Events {
		events = append(events, string(event))
	}
	policies := make([]string, 0, len(h.DeletePolicies))
	for _, policy := range h.DeletePolicies {
		policies = append(policies, string(policy))
	}
	sort.Strings(events)
	return hook{
		Source:         h.Path,
		Kind:           h.Kind,
		Name:           h.Name,
		Content:        h.Manifest,
		Events:         events,
		Weight:         h.Weight,
		DeletePolicies: policies,
	}
}
