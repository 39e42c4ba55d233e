#!/usr/bin/env python3
# tests/hpa/make_cases.py: writes the HPA replay cases of this folder. Each
# expected count is the one the cited Kubernetes test asserts (test tables of
# pkg/controller/podautoscaler/horizontal_test.go) or, for the edge cases,
# the one the cited controller code gives by hand calculation; nothing here
# runs uksim. Kept to show how each case was made: python3 make_cases.py
import json, math, os
OUT=os.path.dirname(os.path.abspath(__file__))
OLD=-1e6
CH={"cpu_initialization_period":120,"initial_readiness_delay":10,"metric_window":60}
HT="kubernetes pkg/controller/podautoscaler/horizontal_test.go"
def pod(cpu, ready=True, start=OLD, phase=None, deleting=False, ready_change=None):
    p={"cpu":cpu,"ready":ready,"start":start}
    if phase: p["phase"]=phase
    if deleting: p["deleting"]=True
    if ready_change is not None: p["ready_change"]=ready_change
    return p
def hpa(mn,mx,tgt,behavior=None):
    spec={"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},
          "maxReplicas":mx,
          "metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":tgt}}}]}
    if mn is not None: spec["minReplicas"]=mn
    if behavior is not None: spec["behavior"]=behavior
    return {"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"web"},"spec":spec}
def rules(pods=0,pp=0,pct=0,pctp=0,stab=None,select=None,tol=None):
    r={}
    if stab is not None: r["stabilizationWindowSeconds"]=stab
    if select: r["selectPolicy"]=select
    pol=[]
    if pods: pol.append({"type":"Pods","value":pods,"periodSeconds":pp})
    if pct: pol.append({"type":"Percent","value":pct,"periodSeconds":pctp})
    if pol: r["policies"]=pol
    if tol is not None: r["tolerance"]=tol
    return r
cases=[]
def case(name, source, h, ctl, syncs):
    cases.append((name, source, h, ctl, syncs))
T=1000
def on_target(n, tgt, t=0):
    return (t, n, [pod(tgt) for _ in range(n)], n)
def eq(n, cpu): return [pod(cpu) for _ in range(n)]
# --- horizontal_test.go, single reconciles
H=lambda mn,mx,tgt: hpa(mn,mx,tgt)
case("scale-up","TestScaleUp",H(2,6,30),CH,[(T,3,[pod(30),pod(50),pod(70)],5)])
hc=hpa(2,6,30)
hc["spec"]["metrics"]=[{"type":"ContainerResource","containerResource":{"name":"cpu","container":"container1","target":{"type":"Utilization","averageUtilization":30}}}]
case("scale-up-container","TestScaleUpContainer",hc,CH,[(T,3,[pod(30),pod(50),pod(70)],5)])
case("scale-up-unready-less","TestScaleUpUnreadyLessScale",H(2,6,30),CH,[(T,3,[pod(30,False),pod(50),pod(70)],4)])
case("scale-up-hot-cpu-less","TestScaleUpHotCpuLessScale",H(2,6,30),CH,[(T,3,[pod(30,start=T),pod(50,start=T-180),pod(70,start=T-180)],4)])
case("scale-up-unready-no-scale","TestScaleUpUnreadyNoScale",H(2,6,30),CH,[(T,3,[pod(40),pod(50,False),pod(70,False)],3)])
case("scale-up-hot-cpu-no-scale","TestScaleUpHotCpuNoScale",H(2,6,30),CH,[(T,3,[pod(40,start=T-180),pod(50,False,start=T),pod(70,False,start=T)],3)])
case("scale-up-ignores-failed","TestScaleUpIgnoresFailedPods",H(2,6,30),CH,[(T,2,[pod(50),pod(70),pod(None,False,phase="Failed"),pod(None,False,phase="Failed")],4)])
case("scale-up-ignores-deleting","TestScaleUpIgnoresDeletionPods",H(2,6,30),CH,[(T,2,[pod(50),pod(70),pod(None,False,deleting=True),pod(None,False,deleting=True)],4)])
DOWN=[pod(10),pod(30),pod(50),pod(25),pod(25)]
# "recommendations: []" (no history) is reached by a sync more than 300 s earlier on target.
case("scale-down","TestScaleDown",H(2,6,50),CH,[on_target(5,50),(301,5,DOWN,3)])
case("scale-down-stabilize-initial-size","TestScaleDownStabilizeInitialSize",H(2,6,50),CH,[(T,5,DOWN,5)])
case("scale-down-with-scaling-rules","TestScaleDownWithScalingRules",hpa(2,6,50,{"scaleUp":rules(pct=100,pctp=15,stab=30,select="Max")}),CH,[on_target(5,50),(301,5,DOWN,3)])
case("scale-down-include-unready","TestScaleDownIncludeUnreadyPods",H(2,6,50),CH,[on_target(5,50),(301,5,[pod(10),pod(30),pod(50),pod(25,False),pod(25,False)],2)])
case("scale-down-ignore-hot-cpu","TestScaleDownIgnoreHotCpuPods",H(2,6,50),CH,[on_target(5,50),(301,5,[pod(10,start=121),pod(30,start=121),pod(50,start=121),pod(25,start=301),pod(25,start=301)],2)])
case("scale-down-ignores-failed","TestScaleDownIgnoresFailedPods",H(2,6,50),CH,[on_target(5,50),(301,5,DOWN+[pod(None,False,phase="Failed"),pod(None,False,phase="Failed")],3)])
case("scale-down-ignores-deleting","TestScaleDownIgnoresDeletionPods",H(2,6,50),CH,[on_target(5,50),(301,5,DOWN+[pod(None,False,deleting=True),pod(None,False,deleting=True)],3)])
# requests 0.9/1.0/1.1 in the test: the controller sums usage and requests, so
# percentages of the mean request (1.0) give the same utilization.
case("tolerance","TestTolerance",H(1,5,100),CH,[(T,3,[pod(101),pod(103),pod(102)],3)])
case("min-replicas","TestMinReplicas",H(2,5,90),CH,[on_target(3,90),(301,3,[pod(1),pod(9.5),pod(1)],2)])
case("zero-min-replicas-desired-zero","TestZeroMinReplicasDesiredZero",H(0,5,90),CH,[on_target(3,90),(301,3,eq(3,0),0)])
case("min-replicas-desired-zero","TestMinReplicasDesiredZero",H(2,5,90),CH,[on_target(3,90),(301,3,eq(3,0),2)])
case("zero-replicas","TestZeroReplicas",H(3,5,90),CH,[(T,0,[],0)])
case("too-few-replicas","TestTooFewReplicas",H(3,5,90),CH,[(T,2,[],3)])
case("too-many-replicas","TestTooManyReplicas",H(3,5,90),CH,[(T,10,[],5)])
case("max-replicas","TestMaxReplicas",H(2,5,90),CH,[(T,3,[pod(800),pod(950),pod(100)],5)])
case("superfluous-metrics","TestSuperfluousMetrics",H(2,6,100),CH,[(T,4,[pod(400),pod(950),pod(300),pod(700)],6)])
case("missing-metrics","TestMissingMetrics",H(2,6,100),CH,[on_target(4,100),(301,4,[pod(40),pod(9.5),pod(None),pod(None)],3)])
case("empty-metrics","TestEmptyMetrics",H(2,6,100),CH,[(T,4,[pod(None)]*4,4)])
case("event-created","TestEventCreated",H(1,5,50),CH,[(T,1,[pod(100)],2)])
case("event-not-created","TestEventNotCreated",H(1,5,50),CH,[(T,2,[pod(50),pod(50)],2)])
# --- TestScalingWithRules (normalizeDesiredReplicasWithBehaviors): the
# prenormalized count P comes from equal pods at cpu u with target 100.
def util_for(C,P,tgt=100):
    # smallest integer utilization whose replica count is P (the controller's formula)
    if P == C:
        return tgt
    for u in range(0, 10**6):
        if math.ceil(float(u)/tgt*C) == P and not (0.9 <= u/tgt <= 1.1):
            return u
    raise SystemExit("no u for %d %d" % (C,P))
def target_for(C,P):
    for tgt in (100, 1000, 10000):
        try:
            return tgt, util_for(C,P,tgt)
        except SystemExit:
            pass
    raise SystemExit("no target for %d %d" % (C,P))
def rules_case(name, C, P, mn, mx, up=None, down=None, expected=None, lead=False):
    b={}
    if up is not None: b["scaleUp"]=up
    if down is not None: b["scaleDown"]=down
    tgt,u=target_for(C,P)
    syncs=[]
    t=0
    if lead:
        syncs.append(on_target(C,tgt,0)); t=301
    syncs.append((t,C,eq(C,u),expected))
    case("rules-"+name,"TestScalingWithRules: "+name.replace("-"," "),hpa(mn,mx,tgt,b),{},syncs)
rules_case("within-range",5,7,3,8,expected=7)
rules_case("below-min",3,1,2,8,expected=2,lead=True)
rules_case("max-below-scale-up-limit",20,1000,1,10,expected=10)
rules_case("more-than-max",100,1000,100,150,expected=150)
rules_case("user-percent-limit",3,1000,1,2000,up=rules(pct=1,pctp=60,stab=0,select="Max"),expected=4)
rules_case("scale-down-limit-above-min",1000,3,3,2000,down=rules(pods=20,pp=60,stab=0,select="Max"),expected=980)
rules_case("default-behavior",10,50,1,1000,expected=20)
rules_case("pods-larger-than-percent",10,500,1,1000,up=rules(100,60,100,60,0,"Max"),expected=110)
rules_case("percent-larger-than-pods",10,500,1,1000,up=rules(2,60,100,60,0,"Max"),expected=20)
rules_case("max-with-large-pods",10,50,1,1000,up=rules(100,60,0,0,0,"Max"),expected=50)
rules_case("pods-limit",10,50,1,1000,up=rules(30,60,0,0,0,"Max"),expected=40)
rules_case("percent-limit",10,50,1,1000,up=rules(0,0,200,60,0,"Max"),expected=30)
rules_case("down-percent-larger-than-pods",100,2,1,1000,down=rules(20,60,1,60,300,"Max"),expected=80,lead=True)
rules_case("down-pods-larger-than-percent",100,2,1,1000,down=rules(2,60,1,60,300,"Max"),expected=98,lead=True)
rules_case("down-min-with-large-pods",10,0,1,1000,down=rules(100,60,0,0,300,"Max"),expected=1,lead=True)
rules_case("down-min-with-large-percent",10,2,5,1000,down=rules(0,0,100,60,300,"Max"),expected=5,lead=True)
rules_case("down-pods-limit",10,2,1,1000,down=rules(5,60,0,0,300,"Max"),expected=5,lead=True)
rules_case("down-percent-limit",10,5,1,1000,down=rules(0,0,50,60,300,"Max"),expected=5,lead=True)
# Scale events: +1, +5, +9 inside the last 120 s (generateEventsUniformDistribution([1,5,9], 120)).
def events_case(name, up, mx, expected):
    syncs=[(0,85,eq(85,101),86),(40,86,eq(86,105),91),(80,91,eq(91,109),100),(100,100,eq(100,500),expected)]
    case("rules-"+name,"TestScalingWithRules: "+name.replace("-"," "),hpa(1,mx,100,{"scaleUp":up}),{"tolerance":0},syncs)
events_case("pods-and-previous-events",rules(150,120,0,0,0,"Max"),1000,235)
events_case("max-with-large-pods-and-events",rules(300,60,0,0,0,"Max"),200,200)
# --- TestNormalizeDesiredReplicas (stabilizeRecommendation) as trajectories.
N=lambda C,P: eq(C,util_for(C,P))
case("stabilize","TestNormalizeDesiredReplicas: stabilize",hpa(1,20,100),{},
     [(0,5,N(5,4),5),(60,5,N(5,5),5),(120,5,N(5,3),5)])
case("stabilize-old-recommendations","TestNormalizeDesiredReplicas: stabilize - old recommendations",hpa(1,20,100),{},
     [(0,10,N(10,10),10),(60,10,N(10,9),10),(480,10,N(10,5),5),(540,5,N(5,4),5),(600,5,N(5,3),5)])
case("no-stabilize-old-recommendations","TestNormalizeDesiredReplicas: no stabilize - old recommendations",hpa(1,20,100),{},
     [(0,10,N(10,10),10),(60,10,N(10,9),10),(500,10,N(10,3),3)])
# --- Edges from the controller's code (horizontal.go, replica_calculator.go).
case("window-edge-no-behavior","horizontal.go stabilizeRecommendation: a recommendation exactly one window old still counts",hpa(1,20,100),{},
     [(0,5,N(5,5),5),(300,5,N(5,2),5),(315,5,N(5,2),2)])
case("window-edge-behavior","horizontal.go stabilizeRecommendationWithBehaviors: a recommendation one window old no longer counts",hpa(1,20,100,{}),{},
     [(0,5,N(5,5),5),(300,5,N(5,2),2)])
case("tolerance-edges","replica_calculator.go Tolerances.isWithin: both edges are inside the band",hpa(1,20,100),{},
     [(0,10,eq(10,110),10),(15,10,eq(10,111),12)])
case("tolerance-edge-down","replica_calculator.go Tolerances.isWithin: 0.9 is inside the band",hpa(1,20,100,{"scaleDown":rules(pct=100,pctp=15,stab=0)}),{},
     [(0,10,eq(10,90),10),(15,10,eq(10,89),9)])
case("utilization-truncated","metrics/utilization.go GetResourceUtilizationRatio: utilization is an integer percentage",hpa(1,20,100),{},
     [(0,10,eq(10,120.5),12),(15,12,eq(12,100.5),12)])
case("missing-pods-above-100-target","replica_calculator.go: on a scale-down a missing pod counts as max(100%, target)",hpa(1,20,150,{"scaleDown":rules(pct=100,pctp=15,stab=0)}),{},
     [(0,4,[pod(30),pod(30),pod(None),pod(None)],3)])
case("unready-after-init-was-ready","replica_calculator.go groupPods: after the CPU initialization period an unready pod that was ready counts",hpa(1,20,100),{"cpu_initialization_period":300,"initial_readiness_delay":30},
     [(1000,2,[pod(200),pod(200,False,start=0,ready_change=500)],4)])
case("ready-too-recently","replica_calculator.go groupPods: inside the initialization period, a pod ready for less than one metric window is set aside",hpa(1,20,100),{"metric_window":60},
     [(200,2,[pod(200),pod(200,True,start=100,ready_change=150)],2),(215,3,[pod(200),pod(200,True,start=100,ready_change=150),pod(None,False,start=200)],4)])
case("pending-pods-unready","replica_calculator.go groupPods: a pending pod counts as 0% on a scale-up",hpa(1,20,100),{},
     [(1000,2,[pod(200),pod(200),pod(None,False,start=995,phase="Pending"),pod(None,False,start=995,phase="Pending")],2)])
case("select-min","horizontal.go calculateScaleUpLimitWithScalingRules: selectPolicy Min takes the smallest change",hpa(1,100,100,{"scaleUp":rules(4,15,100,15,0,"Min")}),{},
     [(0,10,eq(10,500),14),(15,14,eq(14,500),18)])
case("select-disabled","horizontal.go: selectPolicy Disabled stops scaling in that direction",hpa(1,100,100,{"scaleUp":rules(4,15,0,0,0,"Disabled")}),{},
     [(0,10,eq(10,500),10)])
case("period-events","horizontal.go getReplicasChangePerPeriod: scale events of the last period count against the limit",hpa(1,100,100,{"scaleUp":rules(4,60,0,0,0,"Max")}),{},
     [(0,10,eq(10,500),14),(15,14,eq(14,500),14),(45,14,eq(14,500),14),(60,14,eq(14,500),18)])
case("up-stabilization","horizontal.go stabilizeRecommendationWithBehaviors: scale-up takes the lowest recommendation of its window",hpa(1,100,100,{"scaleUp":rules(100,15,0,0,60,"Max")}),{},
     [(0,4,eq(4,100),4),(15,4,eq(4,200),4),(30,4,eq(4,200),4),(60,4,eq(4,200),8),(75,8,eq(8,100),8)])
case("no-behavior-scale-up-limit","horizontal.go convertDesiredReplicasWithRules: without behavior scale-up is capped at max(2 x current, 4) per sync",hpa(1,100,100),{},
     [(0,1,eq(1,1000),4),(15,4,eq(4,1000),8),(30,8,eq(8,1000),16)])
case("multi-minute","horizontal.go: a ramp up, a plateau, and a scale-down held for the 300 s window",hpa(2,10,50),{},
     [(0,2,eq(2,50),2),(15,2,eq(2,120),4),(30,4,eq(4,60),5),(45,5,eq(5,50),5),(60,5,eq(5,20),5),(345,5,eq(5,20),5),(360,5,eq(5,20),2),(375,2,eq(2,40),2)])
for name, source, h, ctl, syncs in cases:
    head={"hpa":h,"controller":ctl,"source":source}
    with open(os.path.join(OUT,name+".jsonl"),"w") as f:
        f.write(json.dumps(head)+"\n")
        for t,r,pods,_ in syncs:
            f.write(json.dumps({"t":t,"replicas":r,"pods":pods})+"\n")
    with open(os.path.join(OUT,name+".expected"),"w") as f:
        for t,r,pods,e in syncs:
            f.write(json.dumps({"t":t,"desired":e})+"\n")
print(len(cases))
