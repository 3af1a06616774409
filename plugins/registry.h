#ifndef STATSTRACKER_PLUGINS_REGISTRY_H_
#define STATSTRACKER_PLUGINS_REGISTRY_H_

// The one plugin registry: a name -> factory map per plugin interface, filled
// by static registration objects in each plugin's own cc_library
// (alwayslink = True). Which plugins exist is decided by a binary's deps; no
// central list to edit. Modelled on Envoy's registry, minus its heavy parts.
//
//   // in plugins/scorers/elo.cc
//   static const ScorerRegistration kElo("elo", &CreateEloScorer);

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"

namespace statstracker {

template <typename Factory>
class Registry {
 public:
  // The process-wide registry for this factory type.
  static Registry& Get() {
    static auto* registry = new Registry();
    return *registry;
  }

  // Adds a factory. A second registration under one name is a programming
  // error in how plugins were linked, so it stops the process at start-up
  // with a message naming the plugin.
  void Register(const std::string& name, Factory factory) {
    if (!factories_.emplace(name, std::move(factory)).second) {
      std::fprintf(stderr,
                   "fatal: plugin '%s' is registered twice; each plugin name "
                   "must be linked in once\n",
                   name.c_str());
      std::abort();
    }
  }

  // The factory for `name`, or nullptr.
  const Factory* Find(absl::string_view name) const {
    auto it = factories_.find(std::string(name));
    return it == factories_.end() ? nullptr : &it->second;
  }

  // Every registered name, sorted, for "unknown plugin" errors.
  std::vector<std::string> RegisteredNames() const {
    std::vector<std::string> names;
    for (const auto& [name, unused] : factories_) names.push_back(name);
    return names;
  }
  std::string RegisteredNamesForError() const {
    return absl::StrJoin(RegisteredNames(), ", ");
  }

  // For tests: replaces (or adds) the factory for `name` until the returned
  // object is destroyed, then restores what was there.
  class ScopedOverride {
   public:
    ScopedOverride(const std::string& name, Factory factory) : name_(name) {
      auto& map = Get().factories_;
      auto it = map.find(name);
      if (it != map.end()) {
        had_previous_ = true;
        previous_ = std::move(it->second);
        it->second = std::move(factory);
      } else {
        map.emplace(name, std::move(factory));
      }
    }
    ~ScopedOverride() {
      auto& map = Get().factories_;
      if (had_previous_) {
        map[name_] = std::move(previous_);
      } else {
        map.erase(name_);
      }
    }
    ScopedOverride(const ScopedOverride&) = delete;
    ScopedOverride& operator=(const ScopedOverride&) = delete;

   private:
    std::string name_;
    bool had_previous_ = false;
    Factory previous_;
  };

 private:
  Registry() = default;
  std::map<std::string, Factory> factories_;  // std::map: names come sorted
};

// A static object of this type registers a factory when the program starts.
template <typename Factory>
class Registration {
 public:
  Registration(const std::string& name, Factory factory) {
    Registry<Factory>::Get().Register(name, std::move(factory));
  }
};

}  // namespace statstracker

#endif  // STATSTRACKER_PLUGINS_REGISTRY_H_
