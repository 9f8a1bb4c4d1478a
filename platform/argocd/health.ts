/**
 * ArgoCD health checks that make layer ordering real. The root Application syncs its children
 * wave by wave and waits for each wave to be Healthy; but ArgoCD has no health assessment for
 * Applications (removed in v1.8) nor for ApplicationSets, so without these checks a wave is
 * "healthy" as soon as the object exists and every layer would start at once.
 *
 * These scripts are consumed by the ArgoCD install (argo-cd chart value `configs.cm`) as
 * `resource.customizations.health.<group>_<kind>`; synth also writes them to
 * `synth/<site>/argocd/health-customizations.yaml` so bootstrap's first ArgoCD has them.
 */
import { ANNOTATIONS } from '../model/labels.js';

/**
 * Application: Healthy only when its resources are Healthy, it is Synced *and* its last sync
 * operation finished successfully. ArgoCD leaves hooks out of an Application's health, so an
 * Application whose PostSync Jobs (Vault's configurer and seeder) still run reports Healthy
 * and Synced: the operation phase (`Running`) is what says it is not done. A failed operation
 * makes it Degraded (the wave waits instead of racing ahead).
 */
export const APPLICATION_HEALTH_LUA = `hs = {}
hs.status = "Progressing"
hs.message = ""
if obj.status ~= nil then
  local op = obj.status.operationState
  if op ~= nil and (op.phase == "Failed" or op.phase == "Error") then
    hs.status = "Degraded"
    hs.message = "sync " .. op.phase .. ": " .. (op.message or "")
    return hs
  end
  if op ~= nil and op.phase ~= nil and op.phase ~= "Succeeded" then
    hs.message = "sync operation " .. op.phase .. (op.message ~= nil and (": " .. op.message) or "")
    return hs
  end
  if obj.status.health ~= nil and obj.status.health.status ~= nil then
    local health = obj.status.health.status
    local sync = "Unknown"
    if obj.status.sync ~= nil and obj.status.sync.status ~= nil then
      sync = obj.status.sync.status
    end
    if health == "Healthy" and sync == "Synced" then
      hs.status = "Healthy"
    elseif health == "Degraded" or health == "Missing" then
      hs.status = health
    end
    hs.message = "health " .. health .. ", sync " .. sync
  end
end
return hs
`;

/**
 * ApplicationSet: reads \`status.resources\`, the health and sync status of each generated
 * Application as the ApplicationSet controller records them. The controller refreshes that
 * list when an Application's health, sync status or operation phase changes only with
 * progressive syncs enabled (\`applicationsetcontroller.enable.progressive.syncs\`, see
 * \`ARGOCD_PROGRESSIVE_SYNCS_PARAM\`); without it the list goes stale and the root waits forever.
 * The list carries no operation phase, so a component whose later layers need its hooks
 * finished (Vault) is delivered by the root, where the Application check above gates it.
 *
 * Healthy when it generated every Application it should (the count is in the
 * \`${ANNOTATIONS.expectedApplications}\` annotation, written by synth) and each of them is Healthy
 * and Synced; Degraded when the controller reports an error. An empty layer is Healthy at once.
 */
export const APPLICATIONSET_HEALTH_LUA = `hs = {}
hs.status = "Progressing"
hs.message = "waiting for the ApplicationSet controller"
local expected = 0
if obj.metadata.annotations ~= nil and obj.metadata.annotations["${ANNOTATIONS.expectedApplications}"] ~= nil then
  expected = tonumber(obj.metadata.annotations["${ANNOTATIONS.expectedApplications}"])
end
if obj.status == nil then
  if expected == 0 then
    hs.status = "Healthy"
    hs.message = "no Applications expected"
  end
  return hs
end
if obj.status.conditions ~= nil then
  for _, c in ipairs(obj.status.conditions) do
    if c.type == "ErrorOccurred" and c.status == "True" then
      hs.status = "Degraded"
      hs.message = c.message or "ApplicationSet error"
      return hs
    end
  end
end
local resources = obj.status.resources or {}
if #resources < expected then
  hs.message = "generated " .. #resources .. " of " .. expected .. " Applications"
  return hs
end
for _, r in ipairs(resources) do
  local health = "Unknown"
  if r.health ~= nil and r.health.status ~= nil then
    health = r.health.status
  end
  if health == "Degraded" then
    hs.status = "Degraded"
    hs.message = r.name .. " is Degraded"
    return hs
  end
  if health ~= "Healthy" or r.status ~= "Synced" then
    hs.message = r.name .. ": health " .. health .. ", sync " .. (r.status or "Unknown")
    return hs
  end
end
hs.status = "Healthy"
hs.message = #resources .. " Applications Healthy and Synced"
return hs
`;

/**
 * The argocd-cmd-params-cm key that makes the ApplicationSet controller requeue an
 * ApplicationSet whenever one of its Applications changes health, sync status or operation
 * phase (argo-cd \`shouldRequeueForApplication\`), so \`status.resources\` stays current. No
 * ApplicationSet sets a \`strategy\`, so nothing else about syncing changes.
 */
export const ARGOCD_PROGRESSIVE_SYNCS_PARAM = 'applicationsetcontroller.enable.progressive.syncs';

/** The argo-cd chart `configs.cm` entries that install the checks above. */
export function healthCustomizationsCm(): Record<string, string> {
  return {
    'resource.customizations.health.argoproj.io_Application': APPLICATION_HEALTH_LUA,
    'resource.customizations.health.argoproj.io_ApplicationSet': APPLICATIONSET_HEALTH_LUA,
  };
}
