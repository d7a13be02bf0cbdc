-- Health of every mecm.io kind: EdgeHost, Tenant, AppPackage, AppInstance, AppRule,
-- NotificationSubscription and AppDeployment. They share one status contract, kstatus's, which
-- the operator's runtime/status.ts writes, so one script serves them all. In order: spec.suspend; Stalled,
-- Suspended or Reconciling of this generation; status.observedGeneration behind the spec; Ready.
-- Argo CD runs customizations without the open libraries: only base and table functions here.
local hs = {}

local function condition(conditionType)
  if obj.status == nil or obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == conditionType then
      return c
    end
  end
  return nil
end

local function says(c)
  if c.message ~= nil and c.message ~= "" then
    return c.reason .. ": " .. c.message
  end
  return c.reason
end

if obj.spec ~= nil and obj.spec.suspend == true then
  hs.status = "Suspended"
  hs.message = obj.kind .. " is suspended (spec.suspend): the operator leaves it as it is"
  return hs
end

-- An AppDeployment's rollout paused by hand (spec.rollout.paused) is waiting for a person, as a
-- paused Deployment is: Suspended. A rollout the health gate paused is Stalled (Degraded) below.
if obj.kind == "AppDeployment" and obj.spec ~= nil and obj.spec.rollout ~= nil and obj.spec.rollout.paused == true then
  hs.status = "Suspended"
  hs.message = "AppDeployment rollout is paused (spec.rollout.paused): no instance is created or updated"
  return hs
end

local generation = obj.metadata.generation

-- A condition speaks of the spec generation it records; an older one may be out of date.
local function current(c)
  return c ~= nil and (c.observedGeneration == nil or generation == nil or c.observedGeneration == generation)
end

-- The first of these that is True for this generation decides:
--   Stalled      nothing changes until the spec or the world does
--   Suspended    suspended by the operator (a callback that kept failing): a person must act
--   Reconciling  work under way
local decisive = {
  { type = "Stalled", health = "Degraded" },
  { type = "Suspended", health = "Degraded" },
  { type = "Reconciling", health = "Progressing" },
}
for _, d in ipairs(decisive) do
  local c = condition(d.type)
  if current(c) and c.status == "True" then
    hs.status = d.health
    hs.message = says(c)
    return hs
  end
end

-- Until the operator has acted on this generation, Ready speaks of an older spec (kstatus).
if obj.status == nil or obj.status.observedGeneration == nil or (generation ~= nil and obj.status.observedGeneration ~= generation) then
  hs.status = "Progressing"
  if generation ~= nil then
    hs.message = "Waiting for the operator to observe generation " .. generation
  else
    hs.message = "Waiting for the operator"
  end
  return hs
end

local ready = condition("Ready")
if ready == nil or ready.status == "Unknown" then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to decide Ready"
  return hs
end
if ready.status == "True" then
  hs.status = "Healthy"
else
  -- Neither reconciling nor stalled, yet not Ready: e.g. an edge that stopped answering.
  hs.status = "Degraded"
end
hs.message = says(ready)
return hs
