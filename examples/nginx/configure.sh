#!/usr/bin/env bash
# configure.sh TREE: configures TREE, a copy of Debian's nginx module build tree
# (/usr/share/nginx/src from nginx-dev), for this module, with the flags Debian built its
# nginx with (they include --with-compat), so that the module's signature matches the
# installed nginx. Then `make -C TREE -f objs/Makefile modules` builds
# TREE/objs/ngx_http_pcpu_module.so. The tree is written to: never point it at
# /usr/share/nginx/src itself.
set -euo pipefail
tree=$1
module=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=/dev/null
. "$tree/conf_flags"
cd "$tree"
./configure "${NGX_CONF_FLAGS[@]}" --with-compat --add-dynamic-module="$module" >configure.log
