"""Repository rules that make Debian's Bazel rule packages load in Bazel 4.2.3."""

def _patched_rules_cc_impl(rctx):
    src = rctx.path(rctx.attr.path)
    if not src.exists:
        fail("%s is missing: install Debian's bazel-rules-cc package" % rctx.attr.path)

    # Copy the tree; rctx.symlink would make edits write through to /usr.
    res = rctx.execute(["cp", "-r", str(src) + "/.", "."])
    if res.return_code != 0:
        fail("copying %s failed: %s" % (rctx.attr.path, res.stderr))

    # The Debian package loads use_cpp_toolchain, which Bazel 4.2.3 lacks.
    for f in [
        "cc/private/rules_impl/cc_flags_supplier.bzl",
        "cc/private/rules_impl/compiler_flag.bzl",
    ]:
        text = rctx.read(f)
        text = text.replace(', "use_cpp_toolchain")', ")")
        text = text.replace(
            "use_cpp_toolchain()",
            '["@bazel_tools//tools/cpp:toolchain_type"]',
        )
        rctx.file(f, text)

    # Its WORKSPACE downloads development dependencies; an external repo needs none.
    rctx.file("WORKSPACE", 'workspace(name = "rules_cc")\n')

patched_rules_cc = repository_rule(
    implementation = _patched_rules_cc_impl,
    attrs = {"path": attr.string(mandatory = True)},
    local = True,
)
