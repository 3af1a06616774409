"""st_embed_file: a file's bytes compiled into a cc_library.

Made for name = "foo", src = "x.pb", function = "statstracker::embedded::Foo":
  foo   cc_library with header "<package>/foo.h" declaring
        `std::string_view <function>();` returning the file's bytes.
Used by the REST gateway to carry the API's FileDescriptorSet (with comments,
for OpenAPI) inside the server binary.
"""

load("@rules_cc//cc:defs.bzl", "cc_library")

def st_embed_file(name, src, function, visibility = None, testonly = False):
    parts = function.split("::")
    namespaces = parts[:-1]
    fn = parts[-1]
    open_ns = " ".join(["namespace %s {" % n for n in namespaces])
    close_ns = " ".join(["}" for n in namespaces])
    guard = ("STATSTRACKER_EMBED_" + native.package_name() + "_" + name + "_H_").upper().replace("/", "_").replace(".", "_").replace("-", "_")

    native.genrule(
        name = name + "_h",
        outs = [name + ".h"],
        cmd = "printf '%s\\n' " + " ".join(["'%s'" % l for l in [
            "#ifndef " + guard,
            "#define " + guard,
            "#include <string_view>",
            open_ns,
            "// The bytes of " + src + ".",
            "std::string_view " + fn + "();",
            close_ns,
            "#endif",
        ]]) + " > $@",
        testonly = testonly,
    )

    native.genrule(
        name = name + "_cc",
        srcs = [src],
        outs = [name + ".cc"],
        cmd = " ".join([
            "(",
            "printf '%s\\n' '#include <string_view>' '" + open_ns + "' 'namespace {' 'const unsigned char kData[] = {';",
            "od -An -v -tu1 $< | tr -s ' \\n' ',,' | sed -e 's/^,//';",
            "printf '%s\\n' '0};' '}  // namespace' 'std::string_view " + fn + "() {' " +
            "'  return std::string_view(reinterpret_cast<const char*>(kData), sizeof(kData) - 1);' '}' '" + close_ns + "';",
            ") > $@",
        ]),
        testonly = testonly,
    )

    cc_library(
        name = name,
        srcs = [name + ".cc"],
        hdrs = [name + ".h"],
        visibility = visibility,
        testonly = testonly,
    )
