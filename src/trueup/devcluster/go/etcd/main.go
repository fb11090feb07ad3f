// Command etcd is etcd's own server entry point, built from the
// go.etcd.io/etcd/server/v3 module so that the dev-cluster needs no
// prebuilt etcd binary.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
