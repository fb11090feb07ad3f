package main

import (
	"fmt"
	"os"
	"runtime/debug"
	"slices"
)

// helmModule is the module whose command line the helper runs as `helm`.
const helmModule = "helm.sh/helm/v4"

// runAsHelm answers as the `helm` command of kustomize's Helm chart inflation, which trueup
// runs as `kubectl kustomize --enable-helm --helm-command DIR/helm`, DIR/helm being a
// symlink to this binary. kustomize runs `helm version` and then `helm template` on a chart
// vendored next to the kustomization; `helm pull` is refused, since trueup renders only
// vendored charts.
//
// kustomize before v5.8.1 (kubectl 1.32's among them) asks `helm version -c --short`, a
// flag Helm 4 dropped, and accepts only a Helm 3 answer, although every command it runs
// after that works the same with Helm 4. That question is answered with a 3.x version
// whose build metadata names the Helm module really running (`v3.0.0+helm.v4.3.2`);
// kustomize's later `helm version --short` gets Helm's own answer.
func runAsHelm(args []string) int {
	if len(args) > 0 && args[0] == "pull" {
		fmt.Fprintln(os.Stderr, "Error: trueup renders only charts vendored in the repository; helm pull is refused")
		return 1
	}
	if len(args) > 0 && args[0] == "version" && (slices.Contains(args, "-c") || slices.Contains(args, "--client")) {
		fmt.Println("v3.0.0+helm." + moduleVersion(helmModule))
		return 0
	}
	return runCLI(args)
}

// moduleVersion is the version of the module path this binary was built with ("unknown" if
// the build recorded none).
func moduleVersion(path string) string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == path {
				return dep.Version
			}
		}
	}
	return "unknown"
}
