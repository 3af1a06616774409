"""st_proto_library: .proto files -> a cc_library with messages and gRPC stubs.

Runs the system protoc with grpc_cpp_plugin (Debian's protobuf-compiler and
protobuf-compiler-grpc), so the build needs no downloaded protobuf rules. Import
paths are relative to //proto, e.g. "statstracker/v1/events.proto".

Targets made for name = "foo":
  foo            cc_library: generated .pb.h/.pb.cc and .grpc.pb.h/.grpc.pb.cc
  foo_srcs       filegroup: these .proto files and those of every dep
  foo_descriptor_set
                 FileDescriptorSet (with imports and comments) of these files,
                 for tools that need the schema and its comments at run time
"""

load("@rules_cc//cc:defs.bzl", "cc_library")

_PROTO_ROOT = "proto"

def st_proto_library(name, srcs, deps = [], visibility = None):
    pkg = native.package_name()
    if not (pkg == _PROTO_ROOT or pkg.startswith(_PROTO_ROOT + "/")):
        fail("st_proto_library must be used under //%s, not //%s" % (_PROTO_ROOT, pkg))

    native.filegroup(
        name = name + "_srcs",
        srcs = srcs + [d + "_srcs" for d in deps],
        visibility = visibility,
    )

    stems = [s[:-len(".proto")] for s in srcs]
    hdrs = [s + ".pb.h" for s in stems] + [s + ".grpc.pb.h" for s in stems]
    cc_srcs = [s + ".pb.cc" for s in stems] + [s + ".grpc.pb.cc" for s in stems]
    descriptor_set = name + "_descriptor_set.pb"

    native.genrule(
        name = name + "_gen",
        srcs = [":" + name + "_srcs"],
        outs = hdrs + cc_srcs + [descriptor_set],
        cmd = " ".join([
            "/usr/bin/protoc",
            "-I" + _PROTO_ROOT,
            "-I/usr/include",
            "--cpp_out=$(GENDIR)/" + _PROTO_ROOT,
            "--grpc_out=$(GENDIR)/" + _PROTO_ROOT,
            "--plugin=protoc-gen-grpc=/usr/bin/grpc_cpp_plugin",
            "--include_imports",
            "--include_source_info",
            "--descriptor_set_out=$(location %s)" % descriptor_set,
        ] + ["%s/%s" % (pkg, s) for s in srcs]),
        message = "protoc " + ", ".join(srcs),
    )

    native.filegroup(
        name = name + "_descriptor_set",
        srcs = [descriptor_set],
        visibility = visibility,
    )

    # Dependents include "statstracker/v1/x.pb.h", as the .proto imports read.
    cc_library(
        name = name,
        srcs = cc_srcs,
        hdrs = hdrs,
        strip_include_prefix = "/" + _PROTO_ROOT,
        deps = deps + [
            "@system//:grpc",
            "@system//:protobuf",
        ],
        visibility = visibility,
    )
