"""st_proto_library: .proto files -> a cc_library with messages and gRPC stubs.

Runs the system protoc with grpc_cpp_plugin (Debian's protobuf-compiler and
protobuf-compiler-grpc), so the build needs no downloaded protobuf rules.

Import paths are relative to an import root, the way the .proto files import
each other:
  //proto/...                  root "proto", e.g. "statstracker/v1/events.proto"
  //third_party/googleapis/... root "third_party/googleapis", e.g.
                               "google/api/annotations.proto"
  @grpc_proto (external_repo)  Debian's grpc-proto package
                               (/usr/share/grpc-proto, WORKSPACE), e.g.
                               "grpc/health/v1/health.proto"; the generated
                               code goes in the calling package
Google's well-known types come from /usr/include (libprotobuf-dev).

Targets made for name = "foo":
  foo            cc_library: generated .pb.h/.pb.cc and .grpc.pb.h/.grpc.pb.cc
  foo_srcs       filegroup: these .proto files and those of every dep
  foo_descriptor_set
                 FileDescriptorSet (with imports and comments) of these files,
                 for tools that need the schema and its comments at run time
"""

load("@rules_cc//cc:defs.bzl", "cc_library")

# Package prefix -> import root, for .proto files in this repository.
_IN_TREE_ROOTS = ["proto", "third_party/googleapis"]

# Every root a .proto may import from; protoc gets those present in the
# action's sandbox (a missing -I directory only draws a warning, but noise).
_ALL_ROOTS = _IN_TREE_ROOTS + ["external/grpc_proto"]

def _in_tree_root(pkg):
    for root in _IN_TREE_ROOTS:
        if pkg == root or pkg.startswith(root + "/"):
            return root
    fail("st_proto_library must be used under //%s, not //%s" %
         (" or //".join(_IN_TREE_ROOTS), pkg))

def st_proto_library(
        name,
        srcs,
        deps = [],
        visibility = None,
        external_repo = None,
        alwayslink = False):
    """.proto files -> cc_library; see the file comment.

    Args:
      name: target name.
      srcs: .proto files: in this package, or with external_repo set, paths
        inside that repository (which are also their import paths).
      deps: other st_proto_library targets these files import.
      visibility: of every target made.
      external_repo: a repository of .proto files (e.g. "grpc_proto"); the
        generated code is placed in the calling package.
      alwayslink: link the generated code even when no symbol of it is
        referenced, so its descriptors are in the generated pool (what
        server reflection serves).
    """
    pkg = native.package_name()
    if external_repo:
        src_labels = ["@%s//:%s" % (external_repo, s) for s in srcs]
        protoc_inputs = ["external/%s/%s" % (external_repo, s) for s in srcs]
        out_root = pkg
    else:
        root = _in_tree_root(pkg)
        src_labels = srcs
        protoc_inputs = ["%s/%s" % (pkg, s) for s in srcs]
        out_root = root

    native.filegroup(
        name = name + "_srcs",
        srcs = src_labels + [d + "_srcs" for d in deps],
        visibility = visibility,
    )

    stems = [s[:-len(".proto")] for s in srcs]
    hdrs = [s + ".pb.h" for s in stems] + [s + ".grpc.pb.h" for s in stems]
    cc_srcs = [s + ".pb.cc" for s in stems] + [s + ".grpc.pb.cc" for s in stems]
    descriptor_set = name + "_descriptor_set.pb"

    includes = " ".join([
        "$$([ -d %s ] && echo -I%s)" % (r, r)
        for r in _ALL_ROOTS
    ])
    native.genrule(
        name = name + "_gen",
        srcs = [":" + name + "_srcs"],
        outs = hdrs + cc_srcs + [descriptor_set],
        cmd = " ".join([
            "/usr/bin/protoc",
            includes,
            "-I/usr/include",
            "--cpp_out=$(GENDIR)/" + out_root,
            "--grpc_out=$(GENDIR)/" + out_root,
            "--plugin=protoc-gen-grpc=/usr/bin/grpc_cpp_plugin",
            "--include_imports",
            "--include_source_info",
            "--descriptor_set_out=$(location %s)" % descriptor_set,
        ] + protoc_inputs),
        message = "protoc " + ", ".join(srcs),
    )

    native.filegroup(
        name = name + "_descriptor_set",
        srcs = [descriptor_set],
        visibility = visibility,
    )

    # Dependents include "statstracker/v1/x.pb.h" or "google/api/http.pb.h",
    # as the .proto imports read.
    cc_library(
        name = name,
        srcs = cc_srcs,
        hdrs = hdrs,
        strip_include_prefix = "/" + out_root,
        alwayslink = alwayslink,
        deps = deps + [
            "@system//:grpc",
            "@system//:protobuf",
        ],
        visibility = visibility,
    )
