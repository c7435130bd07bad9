package nginxrtmp

import (
	"fmt"
	"strings"
)

// Default locations on Debian (packages nginx, libnginx-mod-rtmp and
// libnginx-mod-stream).
const (
	DefaultNginx      = "/usr/sbin/nginx"
	DefaultModulesDir = "/usr/lib/nginx/modules"
)

// Options configure the server; the zero value is a recording "live" app
// with an RTMPS proxy.
type Options struct {
	// App is the RTMP application (default "live").
	App string
	// OnPublish is an on_publish URL (http://…): nginx-rtmp POSTs the stream
	// name there and closes the publisher's connection on a non-2xx reply.
	OnPublish string
	// Meta is nginx-rtmp's meta directive: "on" (default: nginx builds
	// onMetaData from the publisher's) or "copy" (records it verbatim).
	Meta string
	// NoTLS leaves out the stream{} TLS proxy, for hosts without
	// libnginx-mod-stream.
	NoTLS bool
	// Nginx and ModulesDir default to the Debian paths.
	Nginx, ModulesDir string
}

func (o Options) withDefaults() Options {
	if o.App == "" {
		o.App = "live"
	}
	if o.Meta == "" {
		o.Meta = "on"
	}
	if o.Nginx == "" {
		o.Nginx = DefaultNginx
	}
	if o.ModulesDir == "" {
		o.ModulesDir = DefaultModulesDir
	}
	return o
}

// layout is where one server keeps its files and which ports it uses.
type layout struct {
	dir, recordDir, certFile, keyFile string
	rtmpPort, tlsPort                 int
	notifyURL                         string // the harness's on_record_done receiver
}

// nginxConf renders nginx.conf: one process in the foreground, everything
// under dir, listening on 127.0.0.1 only.
func nginxConf(o Options, l layout) string {
	var b strings.Builder
	fmt.Fprintf(&b, "daemon off;\nmaster_process off;\nworker_processes 1;\n")
	fmt.Fprintf(&b, "pid %s/nginx.pid;\nerror_log %s/error.log info;\n", l.dir, l.dir)
	fmt.Fprintf(&b, "load_module %s/ngx_rtmp_module.so;\n", o.ModulesDir)
	if !o.NoTLS {
		fmt.Fprintf(&b, "load_module %s/ngx_stream_module.so;\n", o.ModulesDir)
	}
	fmt.Fprintf(&b, "events { worker_connections 256; }\n")
	fmt.Fprintf(&b, "rtmp {\n  access_log %s/rtmp-access.log;\n  server {\n", l.dir)
	fmt.Fprintf(&b, "    listen 127.0.0.1:%d;\n    chunk_size 4096;\n", l.rtmpPort)
	fmt.Fprintf(&b, "    application %s {\n      live on;\n      meta %s;\n", o.App, o.Meta)
	fmt.Fprintf(&b, "      record all;\n      record_path %s;\n      record_unique off;\n      record_suffix .flv;\n", l.recordDir)
	fmt.Fprintf(&b, "      on_record_done %s;\n", l.notifyURL)
	if o.OnPublish != "" {
		fmt.Fprintf(&b, "      on_publish %s;\n", o.OnPublish)
	}
	fmt.Fprintf(&b, "    }\n  }\n}\n")
	if !o.NoTLS {
		fmt.Fprintf(&b, "stream {\n  server {\n    listen 127.0.0.1:%d ssl;\n", l.tlsPort)
		fmt.Fprintf(&b, "    ssl_certificate %s;\n    ssl_certificate_key %s;\n", l.certFile, l.keyFile)
		fmt.Fprintf(&b, "    proxy_pass 127.0.0.1:%d;\n  }\n}\n", l.rtmpPort)
	}
	return b.String()
}
