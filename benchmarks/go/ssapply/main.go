// Command ssapply server-side-applies every object in a folder of YAML manifests, the way
// trueup sync does: a server dry-run of each object first, then the apply itself, both
// `--concurrency` requests at a time. It is the benchmarks' peer for the cost per request:
// client-go on HTTP/2 with its rate limiter off, the fastest client the API server allows.
//
// Usage: ssapply --kubeconfig=FILE --namespace=NS [--concurrency=16] [--dry-run-first=true] DIR
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/api/meta"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
)

const fieldManager = "ssapply"

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the cluster")
	namespace := flag.String("namespace", "default", "namespace of objects that name none")
	concurrency := flag.Int("concurrency", 16, "requests in flight at once")
	dryRunFirst := flag.Bool("dry-run-first", true, "dry-run every object before applying any")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: ssapply [flags] DIR")
		os.Exit(2)
	}
	if err := run(*kubeconfig, *namespace, flag.Arg(0), *concurrency, *dryRunFirst); err != nil {
		fmt.Fprintln(os.Stderr, "ssapply:", err)
		os.Exit(1)
	}
}

func run(kubeconfig, namespace, dir string, concurrency int, dryRunFirst bool) error {
	start := time.Now()
	objects, err := readManifests(dir)
	if err != nil {
		return err
	}
	config, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return err
	}
	config.QPS = -1 // no client-side rate limit: as fast as the server answers
	client, err := dynamic.NewForConfig(config)
	if err != nil {
		return err
	}
	discover, err := discovery.NewDiscoveryClientForConfig(config)
	if err != nil {
		return err
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(discover))
	apply := func(obj *unstructured.Unstructured, dryRun bool) error {
		gvk := obj.GroupVersionKind()
		mapping, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			return err
		}
		resource := client.Resource(mapping.Resource)
		var target dynamic.ResourceInterface = resource
		if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
			if obj.GetNamespace() == "" {
				obj.SetNamespace(namespace)
			}
			target = resource.Namespace(obj.GetNamespace())
		}
		options := metav1.ApplyOptions{FieldManager: fieldManager, Force: true}
		if dryRun {
			options.DryRun = []string{metav1.DryRunAll}
		}
		_, err = target.Apply(context.Background(), obj.GetName(), obj, options)
		if err != nil {
			return fmt.Errorf("%s %s: %w", gvk.Kind, obj.GetName(), err)
		}
		return nil
	}
	if dryRunFirst {
		if err := forEach(objects, concurrency, func(o *unstructured.Unstructured) error {
			return apply(o, true)
		}); err != nil {
			return err
		}
	}
	if err := forEach(objects, concurrency, func(o *unstructured.Unstructured) error {
		return apply(o, false)
	}); err != nil {
		return err
	}
	fmt.Printf("applied %d objects in %.3fs\n", len(objects), time.Since(start).Seconds())
	return nil
}

// forEach calls fn on every object, at most `limit` at a time, and returns the first error.
func forEach(objects []*unstructured.Unstructured, limit int, fn func(*unstructured.Unstructured) error) error {
	work := make(chan *unstructured.Unstructured)
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	for range limit {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for obj := range work {
				if err := fn(obj); err != nil {
					once.Do(func() { first = err })
				}
			}
		}()
	}
	for _, obj := range objects {
		work <- obj
	}
	close(work)
	wg.Wait()
	return first
}

// readManifests decodes every YAML document of the .yaml and .yml files under dir, in path order.
func readManifests(dir string) ([]*unstructured.Unstructured, error) {
	var paths []string
	err := filepath.WalkDir(dir, func(path string, entry os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !entry.IsDir() && (strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
			paths = append(paths, path)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var objects []*unstructured.Unstructured
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		decoder := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
		for {
			var doc map[string]any
			if err := decoder.Decode(&doc); err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			if len(doc) == 0 {
				continue
			}
			objects = append(objects, &unstructured.Unstructured{Object: doc})
		}
	}
	if len(objects) == 0 {
		return nil, fmt.Errorf("%s: no objects", dir)
	}
	return objects, nil
}
