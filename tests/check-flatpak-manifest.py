#!/usr/bin/python3
# check-flatpak-manifest.py — hold flatpak/io.github.qrstudio.QrStudio.json
# to the project it packages, speaking TAP.
#
# flatpak-builder --show-manifest reads the manifest without a runtime, but
# it only fails on broken JSON: an unknown property or source type is a
# warning on stderr, and the thing is dropped from what it prints back.  So
# a clean run means exit 0, nothing on stderr, and the manifest printed back
# unchanged.  The rest checks what flatpak-builder cannot know: that the
# app id and command are the ones meson installs, that every -D option is
# one of meson_options.txt, that the settings schema gets compiled, that
# every download is pinned, and (through flatpak's own parser) that the
# finish-args are ones flatpak takes.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import argparse
import configparser
import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree

MANIFEST = os.path.join('flatpak', 'io.github.qrstudio.QrStudio.json')

# What flatpak-builder 1.2 and later understand.
BUILDSYSTEMS = {'autotools', 'cmake', 'cmake-ninja', 'meson', 'simple', 'qmake'}
SOURCE_TYPES = {'archive', 'git', 'bzr', 'svn', 'dir', 'file', 'script',
                'inline', 'shell', 'patch', 'extra-data'}
# meson's own options that may be given with -D; anything else must be ours.
MESON_BUILTINS = {'buildtype', 'optimization', 'debug', 'warning_level',
                  'werror', 'default_library', 'strip', 'prefix', 'libdir'}
# GNOME 43 was the first runtime with GTK 4.8 and libadwaita 1.2, the
# minimums meson.build asks for.
OLDEST_RUNTIME = 43


class Failure(Exception):
    pass


def read_meson_options(path):
    """name -> (type, choices) from meson_options.txt"""
    text = open(path, encoding='utf-8').read()
    options = {}
    for m in re.finditer(r"option\s*\(\s*'([^']+)'(.*?)\)\s*$", text, re.S | re.M):
        name, rest = m.group(1), m.group(2)
        kind = re.search(r"type\s*:\s*'([^']+)'", rest)
        choices = re.search(r"choices\s*:\s*\[([^\]]*)\]", rest)
        options[name] = (kind.group(1) if kind else None,
                         re.findall(r"'([^']*)'", choices.group(1)) if choices else None)
    return options


def check_option_value(name, kind, choices, value):
    if kind == 'boolean' and value not in ('true', 'false'):
        raise Failure(f'-D{name}={value}: {name} is a boolean (true or false)')
    if kind == 'combo' and value not in choices:
        raise Failure(f'-D{name}={value}: choose one of {", ".join(choices)}')
    if kind == 'integer' and not re.fullmatch(r'-?\d+', value):
        raise Failure(f'-D{name}={value}: {name} is an integer')
    if kind == 'feature' and value not in ('enabled', 'disabled', 'auto'):
        raise Failure(f'-D{name}={value}: {name} is enabled, disabled or auto')


def project_module(manifest, source_root, manifest_dir):
    """The module built from this checkout: a dir source pointing at it."""
    found = []
    for module in manifest.get('modules', []):
        for source in module.get('sources', []):
            if source.get('type') == 'dir':
                path = os.path.normpath(os.path.join(manifest_dir, source.get('path', '')))
                if os.path.realpath(path) == os.path.realpath(source_root):
                    found.append(module)
    if len(found) != 1:
        raise Failure(f'expected one module built from {source_root} (a dir source), found {len(found)}')
    return found[0]


def test_flatpak_builder(flatpak_builder, manifest_path, manifest):
    if flatpak_builder is None:
        return 'SKIP flatpak-builder is not installed (tools/setup installs it)'
    # It leaves a .flatpak-builder folder where it runs: not in our trees.
    with tempfile.TemporaryDirectory(prefix='check-flatpak-manifest-') as scratch:
        run = subprocess.run([flatpak_builder, '--show-manifest', os.path.abspath(manifest_path)],
                             capture_output=True, text=True, timeout=60, cwd=scratch)
    if run.returncode != 0:
        raise Failure(f'flatpak-builder exited with {run.returncode}: {run.stderr.strip()}')
    if run.stderr.strip():
        raise Failure(f'flatpak-builder warned: {run.stderr.strip()}')
    try:
        shown = json.loads(run.stdout)
    except ValueError as e:
        raise Failure(f'flatpak-builder printed no JSON: {e}')
    if shown != manifest:
        raise Failure('flatpak-builder read the manifest differently from what it says '
                      '(something it did not understand was dropped)')
    return None


def test_identity(manifest, source_root, desktop_path, metainfo_path):
    app_id = manifest.get('id')
    meson_build = open(os.path.join(source_root, 'meson.build'), encoding='utf-8').read()
    m = re.search(r"^app_id\s*=\s*'([^']+)'", meson_build, re.M)
    if m is None or m.group(1) != app_id:
        raise Failure(f'id {app_id!r} is not meson.build\'s app_id {m.group(1) if m else None!r}')

    if os.path.basename(desktop_path) != app_id + '.desktop':
        raise Failure(f'the desktop file {os.path.basename(desktop_path)} is not named {app_id}.desktop')
    desktop = configparser.ConfigParser(interpolation=None, strict=False)
    desktop.optionxform = str
    desktop.read(desktop_path, encoding='utf-8')
    entry = desktop['Desktop Entry']
    program = entry.get('Exec', '').split()[0] if entry.get('Exec', '').split() else ''
    if program != manifest.get('command'):
        raise Failure(f'command {manifest.get("command")!r} is not the desktop file\'s Exec program {program!r}')
    if entry.get('Icon') != app_id:
        raise Failure(f'the desktop file\'s Icon {entry.get("Icon")!r} is not {app_id}')

    root = ElementTree.parse(metainfo_path).getroot()
    if root.findtext('id') != app_id:
        raise Failure(f'the metainfo\'s id {root.findtext("id")!r} is not {app_id}')
    launchable = root.findtext("launchable[@type='desktop-id']")
    if launchable != app_id + '.desktop':
        raise Failure(f'the metainfo launches {launchable!r}, not {app_id}.desktop')


def test_runtime(manifest):
    if manifest.get('runtime') != 'org.gnome.Platform' or manifest.get('sdk') != 'org.gnome.Sdk':
        raise Failure('runtime and sdk must be org.gnome.Platform and org.gnome.Sdk')
    version = str(manifest.get('runtime-version', ''))
    if not version.isdigit() or int(version) < OLDEST_RUNTIME:
        raise Failure(f'runtime-version {version!r}: GNOME {OLDEST_RUNTIME} or newer has GTK 4.8 and libadwaita 1.2')


def test_meson_options(manifest, source_root, manifest_dir):
    options = read_meson_options(os.path.join(source_root, 'meson_options.txt'))
    module = project_module(manifest, source_root, manifest_dir)
    if module.get('buildsystem') != 'meson':
        raise Failure(f'module {module.get("name")} builds this meson project with {module.get("buildsystem")}')
    opts = module.get('config-opts', [])
    if '-Dtests=false' not in opts:
        raise Failure('the project module should turn the tests off (-Dtests=false)')
    for opt in opts:
        if not opt.startswith('-D'):
            continue
        name, sep, value = opt[2:].partition('=')
        if not sep:
            raise Failure(f'{opt}: a -D option needs =VALUE')
        if name in MESON_BUILTINS or name.startswith('b_'):
            continue
        if name not in options:
            raise Failure(f'{opt}: meson_options.txt has no option {name!r} '
                          f'(it has {", ".join(sorted(options))})')
        check_option_value(name, *options[name], value)


def test_schemas(manifest, source_root, manifest_dir):
    """GSettings reads only a compiled schema: g_settings_new() aborts the
    app at start when /app/share/glib-2.0/schemas holds just the XML."""
    data_meson = open(os.path.join(source_root, 'data', 'meson.build'), encoding='utf-8').read()
    if '.gschema.xml' not in data_meson:
        return None
    meson_build = open(os.path.join(source_root, 'meson.build'), encoding='utf-8').read()
    if re.search(r'glib_compile_schemas\s*:\s*true', meson_build):
        return None
    module = project_module(manifest, source_root, manifest_dir)
    if not any(re.match(r'glib-compile-schemas\s+/app/share/glib-2\.0/schemas\b', command)
               for command in module.get('post-install', [])):
        raise Failure(f'meson installs a settings schema, but neither meson nor module '
                      f'{module.get("name")}\'s post-install runs glib-compile-schemas '
                      f'/app/share/glib-2.0/schemas')
    return None


def test_modules(manifest):
    names = [m.get('name') for m in manifest.get('modules', [])]
    if len(names) != len(set(names)) or None in names:
        raise Failure(f'module names must be present and unique: {names}')
    for module in manifest['modules']:
        name = module['name']
        if module.get('buildsystem', 'autotools') not in BUILDSYSTEMS:
            raise Failure(f'{name}: unknown buildsystem {module.get("buildsystem")!r}')
        if not module.get('sources'):
            raise Failure(f'{name}: no sources')
        for source in module['sources']:
            kind = source.get('type')
            if kind not in SOURCE_TYPES:
                raise Failure(f'{name}: unknown source type {kind!r}')
            if kind in ('archive', 'file') and 'url' in source:
                if not source['url'].startswith('https://'):
                    raise Failure(f'{name}: {source["url"]} is not https')
                # A checksum is either real or absent, never a placeholder.
                if not re.fullmatch(r'[0-9a-f]{64}', source.get('sha256', '')):
                    raise Failure(f'{name}: {source["url"]} has no sha256 of 64 hex digits')


def test_finish_args(manifest, flatpak):
    args = manifest.get('finish-args', [])
    for needed in ('--socket=wayland', '--socket=fallback-x11', '--share=ipc', '--share=network'):
        if needed not in args:
            raise Failure(f'finish-args lack {needed}')
    if '--socket=x11' in args:
        raise Failure('--socket=x11 beside --socket=fallback-x11 gives X11 even on Wayland')
    for arg in args:
        m = re.fullmatch(r'--filesystem=([^:]+)(:.*)?', arg)
        if m and m.group(1).rstrip('/') in ('host', 'host-os', 'host-etc', 'home', '~'):
            raise Failure(f'{arg}: the app needs no broad file access (portals and libpq\'s own files)')
    if flatpak is None:
        return 'SKIP flatpak is not installed, so its parser did not read them (tools/setup installs it)'
    # flatpak's own parser, through an override in a user folder of our
    # own: an unknown socket or share is an error, a bad suffix a warning.
    with tempfile.TemporaryDirectory(prefix='check-flatpak-manifest-') as scratch:
        env = dict(os.environ, FLATPAK_USER_DIR=scratch)
        run = subprocess.run([flatpak, 'override', '--user'] + args + [manifest['id']],
                             capture_output=True, text=True, timeout=60, env=env, cwd=scratch)
    if run.returncode != 0 or run.stdout.strip() or run.stderr.strip():
        raise Failure(f'flatpak does not take them as they are: {(run.stderr + run.stdout).strip()}')
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--source-root', required=True)
    parser.add_argument('--desktop', required=True, help='the built .desktop file')
    parser.add_argument('--metainfo', required=True, help='the built metainfo file')
    parser.add_argument('--flatpak-builder', help='flatpak-builder, when installed')
    parser.add_argument('--flatpak', help='flatpak, when installed')
    parser.add_argument('--manifest', help='another manifest to check (default: ours)')
    args = parser.parse_args()

    manifest_path = args.manifest or os.path.join(args.source_root, MANIFEST)
    manifest_dir = os.path.dirname(os.path.abspath(manifest_path))

    print('1..8')
    try:
        manifest = json.load(open(manifest_path, encoding='utf-8'))
        if not isinstance(manifest, dict):
            raise ValueError('not an object')
        print(f'ok 1 - {manifest_path} is JSON')
    except (OSError, ValueError) as e:
        print(f'not ok 1 - {manifest_path} is JSON')
        print(f'# {e}')
        for n in range(2, 9):
            print(f'not ok {n} # the manifest could not be read')
        return 1

    tests = [
        ('flatpak-builder --show-manifest reads it cleanly',
         lambda: test_flatpak_builder(args.flatpak_builder, manifest_path, manifest)),
        ('id and command are the installed desktop file\'s and metainfo\'s',
         lambda: test_identity(manifest, args.source_root, args.desktop, args.metainfo)),
        ('the GNOME runtime is new enough for meson.build',
         lambda: test_runtime(manifest)),
        ('every -D option is in meson_options.txt',
         lambda: test_meson_options(manifest, args.source_root, manifest_dir)),
        ('the settings schema is compiled after the install',
         lambda: test_schemas(manifest, args.source_root, manifest_dir)),
        ('modules: known build systems and source types, pinned https downloads',
         lambda: test_modules(manifest)),
        ('finish-args: the display, the network, no broad file access',
         lambda: test_finish_args(manifest, args.flatpak)),
    ]
    failed = 0
    for n, (title, run) in enumerate(tests, start=2):
        try:
            skip = run()
        except Failure as e:
            failed += 1
            print(f'not ok {n} - {title}')
            print(f'# {e}')
            continue
        if skip:
            print(f'ok {n} - {title} # {skip}')
        else:
            print(f'ok {n} - {title}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
