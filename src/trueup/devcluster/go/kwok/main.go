// Command kwok runs kwok's node and pod simulator for trueup's dev-cluster.
//
// "kwok stages" prints kwok's default stages (node initialise, node heartbeat
// with lease, pod ready, pod complete, pod delete) as one YAML stream, so that
// the dev-cluster can hand them to "kwok --config" without keeping a copy.
// Every other invocation is kwok's own command line.
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/pflag"
	nodefast "sigs.k8s.io/kwok/kustomize/stage/node/fast"
	heartbeat "sigs.k8s.io/kwok/kustomize/stage/node/heartbeat-with-lease"
	podfast "sigs.k8s.io/kwok/kustomize/stage/pod/fast"
	"sigs.k8s.io/kwok/pkg/config"
	"sigs.k8s.io/kwok/pkg/kwok/cmd"
	"sigs.k8s.io/kwok/pkg/log"
	"sigs.k8s.io/kwok/pkg/utils/signals"
)

func main() {
	if len(os.Args) == 2 && os.Args[1] == "stages" {
		stages := []string{
			nodefast.DefaultNodeInit,
			heartbeat.DefaultNodeHeartbeatWithLease,
			podfast.DefaultPodReady,
			podfast.DefaultPodComplete,
			podfast.DefaultPodDelete,
		}
		for _, stage := range stages {
			fmt.Printf("---\n%s\n", strings.TrimSpace(stage))
		}
		return
	}
	os.Exit(run())
}

// run mirrors kwok's own entry point: logging and --config are parsed from
// the whole command line before the cobra command is built.
func run() int {
	flags := pflag.NewFlagSet("global", pflag.ContinueOnError)
	flags.ParseErrorsAllowlist.UnknownFlags = true
	flags.Usage = func() {}
	ctx := signals.SetupSignalContext()
	ctx, logger := log.InitFlags(ctx, flags)
	ctx, err := config.InitFlags(ctx, flags)
	if err != nil {
		logger.Error("reading kwok configuration", "err", err)
		return 1
	}
	command := cmd.NewCommand(ctx)
	command.PersistentFlags().AddFlagSet(flags)
	if err := command.ExecuteContext(ctx); err != nil {
		logger.Error("kwok stopped", "err", err)
		return 1
	}
	return 0
}
