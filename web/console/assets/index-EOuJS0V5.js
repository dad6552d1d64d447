(function(){const t=document.createElement("link").relList;if(t&&t.supports&&t.supports("modulepreload"))return;for(const s of document.querySelectorAll('link[rel="modulepreload"]'))r(s);new MutationObserver(s=>{for(const i of s)if(i.type==="childList")for(const c of i.addedNodes)c.tagName==="LINK"&&c.rel==="modulepreload"&&r(c)}).observe(document,{childList:!0,subtree:!0});function n(s){const i={};return s.integrity&&(i.integrity=s.integrity),s.referrerPolicy&&(i.referrerPolicy=s.referrerPolicy),s.crossOrigin==="use-credentials"?i.credentials="include":s.crossOrigin==="anonymous"?i.credentials="omit":i.credentials="same-origin",i}function r(s){if(s.ep)return;s.ep=!0;const i=n(s);fetch(s.href,i)}})();var Ke,T,Jt,Zt,re,Rt,Qt,Xt,Xe,Pe,ve,en,gt,ct,ut,Ue={},je=[],Pn=/acit|ex(?:s|g|n|p|$)|rph|grid|ows|mnc|ntw|ine[ch]|zoo|^ord|itera/i,Ye=Array.isArray;function ee(e,t){for(var n in t)e[n]=t[n];return e}function yt(e){e&&e.parentNode&&e.parentNode.removeChild(e)}function tn(e,t,n){var r,s,i,c={};for(i in t)i=="key"?r=t[i]:i=="ref"?s=t[i]:c[i]=t[i];if(arguments.length>2&&(c.children=arguments.length>3?Ke.call(arguments,2):n),typeof e=="function"&&e.defaultProps!=null)for(i in e.defaultProps)c[i]===void 0&&(c[i]=e.defaultProps[i]);return Le(e,c,r,s,null)}function Le(e,t,n,r,s){var i={type:e,props:t,key:n,ref:r,__k:null,__:null,__b:0,__e:null,__c:null,constructor:void 0,__v:s??++Jt,__i:-1,__u:0};return s==null&&T.vnode!=null&&T.vnode(i),i}function K(e){return e.children}function Ee(e,t){this.props=e,this.context=t}function ae(e,t){if(t==null)return e.__?ae(e.__,e.__i+1):null;for(var n;t<e.__k.length;t++)if((n=e.__k[t])!=null&&n.__e!=null)return n.__e;return typeof e.type=="function"?ae(e):null}function Ln(e){if(e.__P&&e.__d){var t=e.__v,n=t.__e,r=[],s=[],i=ee({},t);i.__v=t.__v+1,T.vnode&&T.vnode(i),bt(e.__P,i,t,e.__n,e.__P.namespaceURI,32&t.__u?[n]:null,r,n??ae(t),!!(32&t.__u),s),i.__v=t.__v,i.__.__k[i.__i]=i,an(r,i,s),t.__e=t.__=null,i.__e!=n&&nn(i)}}function nn(e){if((e=e.__)!=null&&e.__c!=null)return e.__e=e.__c.base=null,e.__k.some(function(t){if(t!=null&&t.__e!=null)return e.__e=e.__c.base=t.__e}),nn(e)}function Dt(e){(!e.__d&&(e.__d=!0)&&re.push(e)&&!Fe.__r++||Rt!=T.debounceRendering)&&((Rt=T.debounceRendering)||Qt)(Fe)}function Fe(){try{for(var e,t=1;re.length;)re.length>t&&re.sort(Xt),e=re.shift(),t=re.length,Ln(e)}finally{re.length=Fe.__r=0}}function rn(e,t,n,r,s,i,c,u,p,l,d){var _,a,f,h,S,A,N=r&&r.__k||je,y=t.length;for(p=xn(n,t,N,p,y),_=0;_<y;_++)(f=n.__k[_])!=null&&(a=f.__i!=-1&&N[f.__i]||Ue,f.__i=_,A=bt(e,f,a,s,i,c,u,p,l,d),h=f.__e,f.ref&&a.ref!=f.ref&&(a.ref&&vt(a.ref,null,f),d.push(f.ref,f.__c||h,f)),S==null&&h!=null&&(S=h),4&f.__u?(p=on(f,p,e),a.__e&&(a.__e=null)):typeof f.type=="function"&&A!==void 0?p=A:h&&(p=h.nextSibling),f.__u&=-7);return n.__e=S,p}function xn(e,t,n,r,s){var i,c,u,p,l,d=n.length,_=d,a=0;for(e.__k=new Array(s),i=0;i<s;i++)(c=t[i])!=null&&typeof c!="boolean"&&typeof c!="function"?(typeof c=="string"||typeof c=="number"||typeof c=="bigint"||c.constructor==String?c=e.__k[i]=Le(null,c,null,null,null):Ye(c)?c=e.__k[i]=Le(K,{children:c},null,null,null):c.constructor===void 0&&c.__b>0?c=e.__k[i]=Le(c.type,c.props,c.key,c.ref?c.ref:null,c.__v):e.__k[i]=c,p=i+a,c.__=e,c.__b=e.__b+1,u=null,(l=c.__i=Mn(c,n,p,_))!=-1&&(_--,(u=n[l])&&(u.__u|=2)),u==null||u.__v==null?(l==-1&&(s>d?a--:s<d&&a++),typeof c.type!="function"&&(c.__u|=4)):l!=p&&(l==p-1?a--:l==p+1?a++:(l>p?a--:a++,c.__u|=4))):e.__k[i]=null;if(_)for(i=0;i<d;i++)(u=n[i])!=null&&(2&u.__u)==0&&(u.__e==r&&(r=ae(u)),un(u,u));return r}function on(e,t,n){var r,s;if(typeof e.type=="function"){for(r=e.__k,s=0;r&&s<r.length;s++)r[s]&&(r[s].__=e,t=on(r[s],t,n));return t}e.__e!=t&&(t&&e.type&&!t.parentNode&&(t=ae(e)),t=n.insertBefore(e.__e,t||null));do t=t&&t.nextSibling;while(t!=null&&t.nodeType==8);return t}function Mn(e,t,n,r){var s,i,c,u=e.key,p=e.type,l=t[n],d=l!=null&&(2&l.__u)==0;if(l===null&&u==null||d&&u==l.key&&p==l.type)return n;if(r>(d?1:0)){for(s=n-1,i=n+1;s>=0||i<t.length;)if((l=t[c=s>=0?s--:i++])!=null&&(2&l.__u)==0&&u==l.key&&p==l.type)return c}return-1}function Pt(e,t,n){t[0]=="-"?e.setProperty(t,n??""):e[t]=n==null?"":typeof n!="number"||Pn.test(t)?n:n+"px"}function Oe(e,t,n,r,s){var i,c;e:if(t=="style")if(typeof n=="string")e.style.cssText=n;else{if(typeof r=="string"&&(e.style.cssText=r=""),r)for(t in r)n&&t in n||Pt(e.style,t,"");if(n)for(t in n)r&&n[t]==r[t]||Pt(e.style,t,n[t])}else if(t[0]=="o"&&t[1]=="n")i=t!=(t=t.replace(en,"$1")),c=t.toLowerCase(),t=c in e||t=="onFocusOut"||t=="onFocusIn"?c.slice(2):t.slice(2),e.l||(e.l={}),e.l[t+i]=n,n?r?n[ve]=r[ve]:(n[ve]=gt,e.addEventListener(t,i?ut:ct,i)):e.removeEventListener(t,i?ut:ct,i);else{if(s=="http://www.w3.org/2000/svg")t=t.replace(/xlink(H|:h)/,"h").replace(/sName$/,"s");else if(t!="width"&&t!="height"&&t!="href"&&t!="list"&&t!="form"&&t!="tabIndex"&&t!="download"&&t!="rowSpan"&&t!="colSpan"&&t!="role"&&t!="popover"&&t in e)try{e[t]=n??"";break e}catch{}typeof n=="function"||(n==null||n===!1&&t[4]!="-"?e.removeAttribute(t):e.setAttribute(t,t=="popover"&&n==1?"":n))}}function Lt(e){return function(t){if(this.l){var n=this.l[t.type+e];if(t[Pe]==null)t[Pe]=gt++;else if(t[Pe]<n[ve])return;return n(T.event?T.event(t):t)}}}function bt(e,t,n,r,s,i,c,u,p,l){var d,_,a,f,h,S,A,N,y,w,Z,U,F,le,J,ne,G=t.type;if(t.constructor!==void 0)return null;128&n.__u&&(p=!!(32&n.__u),i=[u=t.__e=n.__e]),(d=T.__b)&&d(t);e:if(typeof G=="function"){_=c.length;try{if(y=t.props,w=G.prototype&&G.prototype.render,Z=(d=G.contextType)&&r[d.__c],U=d?Z?Z.props.value:d.__:r,n.__c?N=(a=t.__c=n.__c).__=a.__E:(w?t.__c=a=new G(y,U):(t.__c=a=new Ee(y,U),a.constructor=G,a.render=jn),Z&&Z.sub(a),a.state||(a.state={}),a.__n=r,f=a.__d=!0,a.__h=[],a._sb=[]),w&&a.__s==null&&(a.__s=a.state),w&&G.getDerivedStateFromProps!=null&&(a.__s==a.state&&(a.__s=ee({},a.__s)),ee(a.__s,G.getDerivedStateFromProps(y,a.__s))),h=a.props,S=a.state,a.__v=t,f)w&&G.getDerivedStateFromProps==null&&a.componentWillMount!=null&&a.componentWillMount(),w&&a.componentDidMount!=null&&a.__h.push(a.componentDidMount);else{if(w&&G.getDerivedStateFromProps==null&&y!==h&&a.componentWillReceiveProps!=null&&a.componentWillReceiveProps(y,U),t.__v==n.__v||!a.__e&&a.shouldComponentUpdate!=null&&a.shouldComponentUpdate(y,a.__s,U)===!1){t.__v!=n.__v&&(a.props=y,a.state=a.__s,a.__d=!1),t.__e=n.__e,t.__k=n.__k,t.__k.some(function(Q){Q&&(Q.__=t)}),je.push.apply(a.__h,a._sb),a._sb=[],a.__h.length&&c.push(a),u=ae(n);break e}a.componentWillUpdate!=null&&a.componentWillUpdate(y,a.__s,U),w&&a.componentDidUpdate!=null&&a.__h.push(function(){a.componentDidUpdate(h,S,A)})}if(a.context=U,a.props=y,a.__P=e,a.__e=!1,F=T.__r,le=0,w)a.state=a.__s,a.__d=!1,F&&F(t),d=a.render(a.props,a.state,a.context),je.push.apply(a.__h,a._sb),a._sb=[];else do a.__d=!1,F&&F(t),d=a.render(a.props,a.state,a.context),a.state=a.__s;while(a.__d&&++le<25);a.state=a.__s,a.getChildContext!=null&&(r=ee(ee({},r),a.getChildContext())),w&&!f&&a.getSnapshotBeforeUpdate!=null&&(A=a.getSnapshotBeforeUpdate(h,S)),J=d!=null&&d.type===K&&d.key==null?cn(d.props.children):d,u=rn(e,Ye(J)?J:[J],t,n,r,s,i,c,u,p,l),a.base=t.__e,t.__u&=-161,a.__h.length&&c.push(a),N&&(a.__E=a.__=null)}catch(Q){if(c.length=_,t.__v=null,p||i!=null){if(Q.then){for(t.__u|=p?160:128;u&&u.nodeType==8&&u.nextSibling;)u=u.nextSibling;i!=null&&(i[i.indexOf(u)]=null),t.__e=u}else if(i!=null)for(ne=i.length;ne--;)yt(i[ne])}else t.__e=n.__e;t.__k==null&&(t.__k=n.__k||[]),Q.then||sn(t),T.__e(Q,t,n)}}else i==null&&t.__v==n.__v?(t.__k=n.__k,t.__e=n.__e):u=t.__e=Un(n.__e,t,n,r,s,i,c,p,l);return(d=T.diffed)&&d(t),128&t.__u?void 0:u}function sn(e){e&&(e.__c&&(e.__c.__e=!0),e.__k&&e.__k.some(sn))}function an(e,t,n){for(var r=0;r<n.length;r++)vt(n[r],n[++r],n[++r]);T.__c&&T.__c(t,e),e.some(function(s){try{e=s.__h,s.__h=[],e.some(function(i){i.call(s)})}catch(i){T.__e(i,s.__v)}})}function cn(e){return typeof e!="object"||e==null||e.__b>0?e:Ye(e)?e.map(cn):e.constructor!==void 0?null:ee({},e)}function Un(e,t,n,r,s,i,c,u,p){var l,d,_,a,f,h,S,A=n.props||Ue,N=t.props,y=t.type;if(y=="svg"?s="http://www.w3.org/2000/svg":y=="math"?s="http://www.w3.org/1998/Math/MathML":s||(s="http://www.w3.org/1999/xhtml"),i!=null){for(l=0;l<i.length;l++)if((f=i[l])&&"setAttribute"in f==!!y&&(y?f.localName==y:f.nodeType==3)){e=f,i[l]=null;break}}if(e==null){if(y==null)return document.createTextNode(N);e=document.createElementNS(s,y,N.is&&N),u&&(T.__m&&T.__m(t,i),u=!1),i=null}if(y==null)A===N||u&&e.data==N||(e.data=N);else{if(i=y=="textarea"&&N.defaultValue!=null?null:i&&Ke.call(e.childNodes),!u&&i!=null)for(A={},l=0;l<e.attributes.length;l++)A[(f=e.attributes[l]).name]=f.value;for(l in A)f=A[l],l=="dangerouslySetInnerHTML"?_=f:l=="children"||l in N||l=="value"&&"defaultValue"in N||l=="checked"&&"defaultChecked"in N||Oe(e,l,null,f,s);for(l in N)f=N[l],l=="children"?a=f:l=="dangerouslySetInnerHTML"?d=f:l=="value"?h=f:l=="checked"?S=f:u&&typeof f!="function"||A[l]===f||Oe(e,l,f,A[l],s);if(d)u||_&&(d.__html==_.__html||d.__html==e.innerHTML)||(e.innerHTML=d.__html),t.__k=[];else if(_&&(e.innerHTML=""),rn(t.type=="template"?e.content:e,Ye(a)?a:[a],t,n,r,y=="foreignObject"?"http://www.w3.org/1999/xhtml":s,i,c,i?i[0]:n.__k&&ae(n,0),u,p),i!=null)for(l=i.length;l--;)yt(i[l]);u&&y!="textarea"||(l="value",y=="progress"&&h==null?e.removeAttribute("value"):h!=null&&(h!==e[l]||y=="progress"&&!h||y=="option"&&h!=A[l])&&Oe(e,l,h,A[l],s),l="checked",S!=null&&S!=e[l]&&Oe(e,l,S,A[l],s))}return e}function vt(e,t,n){try{if(typeof e=="function"){var r=typeof e.__u=="function";r&&e.__u(),r&&t==null||(e.__u=e(t))}else e.current=t}catch(s){T.__e(s,n)}}function un(e,t,n){var r,s;if(T.unmount&&T.unmount(e),(r=e.ref)&&(r.current&&r.current!=e.__e||vt(r,null,t)),(r=e.__c)!=null){if(r.componentWillUnmount)try{r.componentWillUnmount()}catch(i){T.__e(i,t)}r.base=r.__P=r.__n=null}if(r=e.__k)for(s=0;s<r.length;s++)r[s]&&un(r[s],t,n||typeof e.type!="function");n||yt(e.__e),e.__c=e.__=e.__e=void 0}function jn(e,t,n){return this.constructor(e,n)}function Fn(e,t,n){var r,s,i,c;t==document&&(t=document.documentElement),T.__&&T.__(e,t),s=(r=!1)?null:t.__k,i=[],c=[],bt(t,e=t.__k=tn(K,null,[e]),s||Ue,Ue,t.namespaceURI,s?null:t.firstChild?Ke.call(t.childNodes):null,i,s?s.__e:t.firstChild,r,c),an(i,e,c),e.props.children=null}Ke=je.slice,T={__e:function(e,t,n,r){for(var s,i,c;t=t.__;)if((s=t.__c)&&!s.__)try{if((i=s.constructor)&&i.getDerivedStateFromError!=null&&(s.setState(i.getDerivedStateFromError(e)),c=s.__d),s.componentDidCatch!=null&&(s.componentDidCatch(e,r||{}),c=s.__d),c)return s.__E=s}catch(u){e=u}throw e}},Jt=0,Zt=function(e){return e!=null&&e.constructor===void 0},Ee.prototype.setState=function(e,t){var n;n=this.__s!=null&&this.__s!=this.state?this.__s:this.__s=ee({},this.state),typeof e=="function"&&(e=e(ee({},n),this.props)),e&&ee(n,e),e!=null&&this.__v&&(t&&this._sb.push(t),Dt(this))},Ee.prototype.forceUpdate=function(e){this.__v&&(this.__e=!0,e&&this.__h.push(e),Dt(this))},Ee.prototype.render=K,re=[],Qt=typeof Promise=="function"?Promise.prototype.then.bind(Promise.resolve()):setTimeout,Xt=function(e,t){return e.__v.__b-t.__v.__b},Fe.__r=0,Xe=Math.random().toString(8),Pe="__d"+Xe,ve="__a"+Xe,en=/(PointerCapture)$|Capture$/i,gt=0,ct=Lt(!1),ut=Lt(!0);var qn=0;function o(e,t,n,r,s,i){t||(t={});var c,u,p=t;if("ref"in p)for(u in p={},t)u=="ref"?c=t[u]:p[u]=t[u];var l={type:e,props:p,key:n,ref:c,__k:null,__:null,__b:0,__e:null,__c:null,constructor:void 0,__v:--qn,__i:-1,__u:0,__source:s,__self:i};if(typeof e=="function"&&(c=e.defaultProps))for(u in c)p[u]===void 0&&(p[u]=c[u]);return T.vnode&&T.vnode(l),l}const Bn="modulepreload",Gn=function(e){return"/console/"+e},xt={},Hn=function(t,n,r){let s=Promise.resolve();if(n&&n.length>0){let p=function(l){return Promise.all(l.map(d=>Promise.resolve(d).then(_=>({status:"fulfilled",value:_}),_=>({status:"rejected",reason:_}))))};document.getElementsByTagName("link");const c=document.querySelector("meta[property=csp-nonce]"),u=c?.nonce||c?.getAttribute("nonce");s=p(n.map(l=>{if(l=Gn(l),l in xt)return;xt[l]=!0;const d=l.endsWith(".css"),_=d?'[rel="stylesheet"]':"";if(document.querySelector(`link[href="${l}"]${_}`))return;const a=document.createElement("link");if(a.rel=d?"stylesheet":Bn,d||(a.as="script"),a.crossOrigin="",a.href=l,u&&a.setAttribute("nonce",u),document.head.appendChild(a),d)return new Promise((f,h)=>{a.addEventListener("load",f),a.addEventListener("error",()=>h(new Error(`Unable to preload CSS for ${l}`)))})}))}function i(c){const u=new Event("vite:preloadError",{cancelable:!0});if(u.payload=c,window.dispatchEvent(u),!u.defaultPrevented)throw c}return s.then(c=>{for(const u of c||[])u.status==="rejected"&&i(u.reason);return t().catch(i)})};var Ae,k,et,Mt,qe=0,ln=[],D=T,Ut=D.__b,jt=D.__r,Ft=D.diffed,qt=D.__c,Bt=D.unmount,Gt=D.__;function Et(e,t){D.__h&&D.__h(k,e,qe||t),qe=0;var n=k.__H||(k.__H={__:[],__h:[]});return e>=n.__.length&&n.__.push({}),n.__[e]}function $(e){return qe=1,zn(mn,e)}function zn(e,t,n){var r=Et(Ae++,2);if(r.t=e,!r.__c&&(r.__=[mn(void 0,t),function(u){var p=r.__N?r.__N[0]:r.__[0],l=r.t(p,u);p!==l&&(r.__N=[l,r.__[1]],r.__c.setState({}))}],r.__c=k,!k.__f)){var s=function(u,p,l){if(!r.__c.__H)return!0;var d=!1,_=r.__c.props!==u;if(r.__c.__H.__.some(function(f){if(f.__N){d=!0;var h=f.__[0];f.__=f.__N,f.__N=void 0,h!==f.__[0]&&(_=!0)}}),i){var a=i.call(this,u,p,l);return d?a||_:a}return!d||_};k.__f=!0;var i=k.shouldComponentUpdate,c=k.componentWillUpdate;k.componentWillUpdate=function(u,p,l){if(this.__e){var d=i;i=void 0,s(u,p,l),i=d}c&&c.call(this,u,p,l)},k.shouldComponentUpdate=s}return r.__N||r.__}function ie(e,t){var n=Et(Ae++,3);!D.__s&&dn(n.__H,t)&&(n.__=e,n.u=t,k.__H.__h.push(n))}function Wn(e){return qe=5,Tt(function(){return{current:e}},[])}function Tt(e,t){var n=Et(Ae++,7);return dn(n.__H,t)&&(n.__=e(),n.__H=t,n.__h=e),n.__}function Vn(){for(var e;e=ln.shift();){var t=e.__H;if(e.__P&&t)try{t.__h.some(xe),t.__h.some(lt),t.__h=[]}catch(n){t.__h=[],D.__e(n,e.__v)}}}D.__b=function(e){k=null,Ut&&Ut(e)},D.__=function(e,t){e&&t.__k&&t.__k.__m&&(e.__m=t.__k.__m),Gt&&Gt(e,t)},D.__r=function(e){jt&&jt(e),Ae=0;var t=(k=e.__c).__H;t&&(et===k?(t.__h=[],k.__h=[],t.__.some(function(n){n.__N&&(n.__=n.__N),n.u=n.__N=void 0})):(t.__h.some(xe),t.__h.some(lt),t.__h=[],Ae=0)),et=k},D.diffed=function(e){Ft&&Ft(e);var t=e.__c;t&&t.__H&&(t.__H.__h.length&&(ln.push(t)!==1&&Mt===D.requestAnimationFrame||((Mt=D.requestAnimationFrame)||Kn)(Vn)),t.__H.__.some(function(n){n.u&&(n.__H=n.u,n.u=void 0)})),et=k=null},D.__c=function(e,t){t.some(function(n){try{n.__h.some(xe),n.__h=n.__h.filter(function(r){return!r.__||lt(r)})}catch(r){t.some(function(s){s.__h&&(s.__h=[])}),t=[],D.__e(r,n.__v)}}),qt&&qt(e,t)},D.unmount=function(e){Bt&&Bt(e);var t,n=e.__c;n&&n.__H&&(n.__H.__.some(function(r){try{xe(r)}catch(s){t=s}}),n.__H=void 0,t&&D.__e(t,n.__v))};var Ht=typeof requestAnimationFrame=="function";function Kn(e){var t,n=function(){clearTimeout(r),Ht&&cancelAnimationFrame(t),setTimeout(e)},r=setTimeout(n,35);Ht&&(t=requestAnimationFrame(n))}function xe(e){var t=k,n=e.__c;typeof n=="function"&&(e.__c=void 0,n()),k=t}function lt(e){var t=k;e.__c=e.__(),k=t}function dn(e,t){return!e||e.length!==t.length||t.some(function(n,r){return n!==e[r]})}function mn(e,t){return typeof t=="function"?t(e):t}function q(e){return e===null?"null":Array.isArray(e)?"array":typeof e}function se(e){return q(e)==="object"}function Yn(e){return Array.isArray(e)&&e.length>0&&e.every(t=>"message"in t)}function zt(e,t){return e.length<124?e:t}const Jn="graphql-transport-ws";var H=(e=>(e[e.InternalServerError=4500]="InternalServerError",e[e.InternalClientError=4005]="InternalClientError",e[e.BadRequest=4400]="BadRequest",e[e.BadResponse=4004]="BadResponse",e[e.Unauthorized=4401]="Unauthorized",e[e.Forbidden=4403]="Forbidden",e[e.SubprotocolNotAcceptable=4406]="SubprotocolNotAcceptable",e[e.ConnectionInitialisationTimeout=4408]="ConnectionInitialisationTimeout",e[e.ConnectionAcknowledgementTimeout=4504]="ConnectionAcknowledgementTimeout",e[e.SubscriberAlreadyExists=4409]="SubscriberAlreadyExists",e[e.TooManyInitialisationRequests=4429]="TooManyInitialisationRequests",e))(H||{}),z=(e=>(e.ConnectionInit="connection_init",e.ConnectionAck="connection_ack",e.Ping="ping",e.Pong="pong",e.Subscribe="subscribe",e.Next="next",e.Error="error",e.Complete="complete",e))(z||{});function fn(e){if(!se(e))throw new Error(`Message is expected to be an object, but got ${q(e)}`);if(!e.type)throw new Error("Message is missing the 'type' property");if(typeof e.type!="string")throw new Error(`Message is expects the 'type' property to be a string, but got ${q(e.type)}`);switch(e.type){case"connection_init":case"connection_ack":case"ping":case"pong":{if(e.payload!=null&&!se(e.payload))throw new Error(`"${e.type}" message expects the 'payload' property to be an object or nullish or missing, but got "${e.payload}"`);break}case"subscribe":{if(typeof e.id!="string")throw new Error(`"${e.type}" message expects the 'id' property to be a string, but got ${q(e.id)}`);if(!e.id)throw new Error(`"${e.type}" message requires a non-empty 'id' property`);if(!se(e.payload))throw new Error(`"${e.type}" message expects the 'payload' property to be an object, but got ${q(e.payload)}`);if(typeof e.payload.query!="string")throw new Error(`"${e.type}" message payload expects the 'query' property to be a string, but got ${q(e.payload.query)}`);if(e.payload.variables!=null&&!se(e.payload.variables))throw new Error(`"${e.type}" message payload expects the 'variables' property to be a an object or nullish or missing, but got ${q(e.payload.variables)}`);if(e.payload.operationName!=null&&q(e.payload.operationName)!=="string")throw new Error(`"${e.type}" message payload expects the 'operationName' property to be a string or nullish or missing, but got ${q(e.payload.operationName)}`);if(e.payload.extensions!=null&&!se(e.payload.extensions))throw new Error(`"${e.type}" message payload expects the 'extensions' property to be a an object or nullish or missing, but got ${q(e.payload.extensions)}`);break}case"next":{if(typeof e.id!="string")throw new Error(`"${e.type}" message expects the 'id' property to be a string, but got ${q(e.id)}`);if(!e.id)throw new Error(`"${e.type}" message requires a non-empty 'id' property`);if(!se(e.payload))throw new Error(`"${e.type}" message expects the 'payload' property to be an object, but got ${q(e.payload)}`);break}case"error":{if(typeof e.id!="string")throw new Error(`"${e.type}" message expects the 'id' property to be a string, but got ${q(e.id)}`);if(!e.id)throw new Error(`"${e.type}" message requires a non-empty 'id' property`);if(!Yn(e.payload))throw new Error(`"${e.type}" message expects the 'payload' property to be an array of GraphQL errors, but got ${JSON.stringify(e.payload)}`);break}case"complete":{if(typeof e.id!="string")throw new Error(`"${e.type}" message expects the 'id' property to be a string, but got ${q(e.id)}`);if(!e.id)throw new Error(`"${e.type}" message requires a non-empty 'id' property`);break}default:throw new Error(`Invalid message 'type' property "${e.type}"`)}return e}function Zn(e,t){return fn(typeof e=="string"?JSON.parse(e,t):e)}function be(e,t){return fn(e),JSON.stringify(e,t)}function Qn(e){const{url:t,connectionParams:n,lazy:r=!0,onNonLazyError:s=console.error,lazyCloseTimeout:i=0,keepAlive:c=0,disablePong:u,connectionAckWaitTimeout:p=0,retryAttempts:l=5,retryWait:d=async function(C){const g=Math.pow(2,C);await new Promise(E=>setTimeout(E,g*1e3+Math.floor(Math.random()*2700+300)))},shouldRetry:_=tt,on:a,webSocketImpl:f,generateID:h=function(){return"xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g,C=>{const g=Math.random()*16|0;return(C=="x"?g:g&3|8).toString(16)})},jsonMessageReplacer:S,jsonMessageReviver:A}=e;let N;if(f){if(!er(f))throw new Error("Invalid WebSocket implementation provided");N=f}else typeof WebSocket<"u"?N=WebSocket:typeof global<"u"?N=global.WebSocket||global.MozWebSocket:typeof window<"u"&&(N=window.WebSocket||window.MozWebSocket);if(!N)throw new Error("WebSocket implementation missing; on Node you can `import WebSocket from 'ws';` and pass `webSocketImpl: WebSocket` to `createClient`");const y=N,w=(()=>{const b=(()=>{const g={};return{on(E,O){return g[E]=O,()=>{delete g[E]}},emit(E){"id"in E&&g[E.id]?.(E)}}})(),C={connecting:a?.connecting?[a.connecting]:[],opened:a?.opened?[a.opened]:[],connected:a?.connected?[a.connected]:[],ping:a?.ping?[a.ping]:[],pong:a?.pong?[a.pong]:[],message:a?.message?[b.emit,a.message]:[b.emit],closed:a?.closed?[a.closed]:[],error:a?.error?[a.error]:[]};return{onMessage:b.on,on(g,E){const O=C[g];return O.push(E),()=>{const R=O.indexOf(E);R>-1&&O.splice(R,1)}},emit(g,...E){for(const O of[...C[g]])O(...E)}}})();function Z(b){const C=[w.on("error",g=>{C.forEach(E=>E()),b(g)}),w.on("closed",g=>{C.forEach(E=>E()),b(g)})];return()=>C.forEach(g=>g())}let U,F=0,le,J=!1,ne=0,G=!1;async function Q(){clearTimeout(le);const[b,C]=await(U??(U=new Promise((O,R)=>(async()=>{if(J){if(await d(ne),!F)return U=void 0,R({code:1e3,reason:"All Subscriptions Gone"});ne++}w.emit("connecting",J);const v=new y(typeof t=="function"?await t():t,Jn);let X,de;function ke(){isFinite(c)&&c>0&&(clearTimeout(de),de=setTimeout(()=>{v.readyState===y.OPEN&&(v.send(be({type:z.Ping})),w.emit("ping",!1,void 0))},c))}Z(M=>{U=void 0,clearTimeout(X),clearTimeout(de),R(M),M instanceof Wt&&(v.close(4499,"Terminated"),v.onerror=null,v.onclose=null)}),v.onerror=M=>w.emit("error",M),v.onclose=M=>w.emit("closed",M),v.onopen=async()=>{try{w.emit("opened",v);const M=typeof n=="function"?await n():n;if(v.readyState!==y.OPEN)return;v.send(be(M?{type:z.ConnectionInit,payload:M}:{type:z.ConnectionInit},S)),isFinite(p)&&p>0&&(X=setTimeout(()=>{v.close(H.ConnectionAcknowledgementTimeout,"Connection acknowledgement timeout")},p)),ke()}catch(M){w.emit("error",M),v.close(H.InternalClientError,zt(M instanceof Error?M.message:String(M),"Internal client error"))}};let me=!1;v.onmessage=({data:M})=>{try{const L=Zn(M,A);if(w.emit("message",L),L.type==="ping"||L.type==="pong"){w.emit(L.type,!0,L.payload),L.type==="pong"?ke():u||(v.send(be(L.payload?{type:z.Pong,payload:L.payload}:{type:z.Pong},S)),w.emit("pong",!1,L.payload));return}if(me)return;if(L.type!==z.ConnectionAck)throw new Error(`First message cannot be of type ${L.type}`);clearTimeout(X),me=!0,w.emit("connected",v,L.payload,J),J=!1,ne=0;const Ot=new Promise((po,Dn)=>Z(Dn));Ot.catch(()=>{}),O([v,Ot])}catch(L){v.onmessage=null,w.emit("error",L),v.close(H.BadResponse,zt(L instanceof Error?L.message:String(L),"Bad response"))}}})())));b.readyState===y.CLOSING&&await C;let g=()=>{};const E=new Promise(O=>g=O);return[b,g,new Promise((O,R)=>{const v=Z(R);b.readyState!==y.OPEN&&C.catch(R),E.then(()=>{if(v(),!F){const X=()=>b.close(1e3,"Normal Closure");isFinite(i)&&i>0?(clearTimeout(le),le=setTimeout(()=>{!F&&b.readyState===y.OPEN&&X()},i)):X()}O()})})]}function It(b){if(tt(b)&&(Xn(b.code)||[H.InternalServerError,H.InternalClientError,H.BadRequest,H.BadResponse,H.Unauthorized,H.SubprotocolNotAcceptable,H.SubscriberAlreadyExists,H.TooManyInitialisationRequests].includes(b.code)))throw b;if(G)return!1;if(tt(b)&&b.code===1e3)return F>0;if(!l||ne>=l||!_(b))throw b;return J=!0}r||(async()=>{for(F++;;)try{const[,,b]=await Q();await b}catch(b){try{if(!It(b))return}catch(C){return s?.(C)}}})();function kt(b,C){const g=h(b);let E=!1,O=!1,R=()=>{F--,E=!0};return(async()=>{for(F++;;)try{const[v,X,de]=await Q();if(E)return de.catch(()=>{}),X();const ke=w.onMessage(g,me=>{switch(me.type){case z.Next:{C.next(me.payload);return}case z.Error:{O=!0,E=!0,C.error(me.payload),R();return}case z.Complete:{E=!0,R();return}}});v.send(be({id:g,type:z.Subscribe,payload:b},S)),R=()=>{!E&&v.readyState===y.OPEN&&v.send(be({id:g,type:z.Complete},S)),F--,E=!0,X()},await de.finally(ke);return}catch(v){if(!It(v))return}})().then(()=>{O||C.complete()}).catch(v=>{C.error(v)}),()=>{E||R()}}return{on:w.on,subscribe:kt,iterate(b){const C=[],g={done:!1,error:null,resolve:()=>{}},E=kt(b,{next(R){C.push(R),g.resolve()},error(R){g.done=!0,g.error=R,g.resolve()},complete(){g.done=!0,g.resolve()}}),O=(async function*(){for(;;){for(C.length||await new Promise(v=>g.resolve=v);C.length;)yield C.shift();if(g.error)throw g.error;if(g.done)return}})();return O.throw=async R=>(g.done||(g.done=!0,g.error=R,g.resolve()),{done:!0,value:void 0}),O.return=async()=>(E(),{done:!0,value:void 0}),O},async dispose(){if(G=!0,U){const[b]=await U;b.close(1e3,"Normal Closure")}},terminate(){U&&w.emit("closed",new Wt)}}}class Wt extends Error{name="TerminatedCloseEvent";message="4499: Terminated";code=4499;reason="Terminated";wasClean=!1}function tt(e){return se(e)&&"code"in e&&"reason"in e}function Xn(e){return[1e3,1001,1006,1005,1012,1013,1014].includes(e)?!1:e>=1e3&&e<=1999}function er(e){return typeof e=="function"&&"constructor"in e&&"CLOSED"in e&&"CLOSING"in e&&"CONNECTING"in e&&"OPEN"in e}const tr={"sha256:7e7b38277b06967b303b1e9d31eb4091754b547a3b57d73f6aec6b3685c00ea8":"mutation Login($input: LoginInput!) { login(input: $input) { errors { code field message } token } }","sha256:314829eb823bb531e8a4853f590bad4c1ae4e12d5ca15be234e1c39aa3dae10d":"query Me { me { email id locale name role scope { id name settings { currency locale timezone } } } }","sha256:267c3b07633c907fcf129318dc6b292f79a42e784a54e607171e3b6db73cde22":"fragment TreeNode on TierNode { children(first: 0) { totalCount } code depth id kind name rollup { customerCount memberCount openTicketCount revenue { amount currency } } } query TreeRoot { tierTree { ...TreeNode } }","sha256:f5981b606d3804e0aec0aa5ec1250a36df5d59db11e5fa056bb6aac6cf5ced75":"fragment TreeNode on TierNode { children(first: 0) { totalCount } code depth id kind name rollup { customerCount memberCount openTicketCount revenue { amount currency } } } query TreeChildren($after: String, $id: ID!) { node(id: $id) { __typename ... on TierNode { children(first: 50, after: $after) { edges { node { ...TreeNode } } pageInfo { endCursor hasNextPage } } id } } }","sha256:20e27cf74c8d1476413f9f5cb8babbf897c127a81e24f0d02205fdc14c461329":"query NodeSettings($id: ID!) { node(id: $id) { __typename ... on TierNode { id name ownSettings { currency locale membershipProgram { id name } timezone } settings { currency locale membershipProgram { id name } timezone } } } }","sha256:45646c81061ab9217dfe638601c7b289512222f896bf573ae514ad992014566c":"query SearchOptions { membershipPrograms { id name tiers { id name rank } } tierTree { descendants(first: 100, maxDepth: 3) { edges { node { depth id name } } } id name } }","sha256:53a2d3958e5b01ae42d3911ffb110f40f36f05c172126a1cf203f5723b25cc0e":"query SearchCustomers($after: String, $filter: CustomerFilter, $first: Int!, $orderBy: CustomerOrder) { customers(first: $first, after: $after, filter: $filter, orderBy: $orderBy) { edges { cursor node { createdAt email externalRef id membership { id pointsBalance tier { id name } } name node { id name } tags } } pageInfo { endCursor hasNextPage } totalCount } }","sha256:34c3000ec16d8dc68aa1461718596753f09409895e1bb496f3ee8ca3a3346fea":"query CustomerPage($id: ID!) { customer(id: $id) { createdAt email externalRef id interactions(first: 10) { edges { node { channel id kind occurredAt staff { id name } summary } } totalCount } lifetimeValue { amount currency } locale membership { coupons { amountOff { amount currency } code expiresAt id percentOff status } id joinedAt pointsBalance pointsLedger(first: 10) { edges { node { balanceAfter createdAt delta id note reason } } } program { id name } qualifyingPoints tier { id name } } name node { code id name settings { currency locale timezone } } orders(first: 10) { edges { node { id number placedAt status total { amount currency } } } totalCount } phone tags tickets(first: 10) { edges { node { id number priority slaBreached slaDueAt status subject } } totalCount } } }","sha256:51f84b1eece5b74d7a2703a242ba32b835788f0f11e8f2e25c19427ed66c2f16":"query Timeline($after: String, $id: ID!) { customer(id: $id) { id timeline(first: 20, after: $after) { edges { cursor node { __typename ... on Interaction { id kind occurredAt staff { name } summary } ... on Opportunity { amount { amount currency } createdAt id opportunityStatus: status title } ... on Order { id number placedAt orderStatus: status total { amount currency } } ... on PointsEntry { createdAt delta id note reason } ... on Ticket { createdAt id number ticketStatus: status subject } ... on TierChange { at from { name } tierReason: reason to { name } } } } pageInfo { endCursor hasNextPage } } } }","sha256:1f16bccc1915a02eb082447a44baaeb58555ae71ee128f39b8d5cdfe9efe8c10":"mutation LogInteraction($input: LogInteractionInput!) { logInteraction(input: $input) { errors { code field message } interaction { id } } }","sha256:8602cfda29ec59d896819e09ee384646feb6154a542de06631776bc6e897a521":"mutation OpenTicket($input: OpenTicketInput!) { openTicket(input: $input) { errors { code field message } ticket { id number } } }","sha256:5328af020435056dad94cfab04a1344ac8ccb3646d378e64f66cb670e91010fa":"mutation AdjustPoints($input: AdjustPointsInput!) { adjustPoints(input: $input) { errors { code field message } membership { id pointsBalance } } }","sha256:bdcdc82bb529ca556bd5c6fe81e6a09c7fc7b6154fd9a1d60b87c994933b6215":"query Reports($from: DateTime) { reports { rfm { segments { customers segment } } salesByNode(from: $from, groupBy: MONTH) { node { id name } rows { node { id name } orders period revenue { amount currency } } } ticketSla(from: $from) { rows { breached medianResolutionSeconds node { id name } opened resolved } } tierDistribution { counts { members node { id name } tier { id name rank } } } } }","sha256:cae15354b9fd6b6557199e5dd2278d99929d3159600db5cdfb4b5930dc69d310":"subscription Events($after: String) { events(after: $after) { cursor node { id name } occurredAt subject { __typename id ... on Customer { name } ... on Interaction { customer { id name } summary } ... on Order { number } ... on Ticket { number subject } } type } }"},dt="canopy.token",nr=tr;class nt extends Error{constructor(t,n){super(t),this.code=n}code}const Be=()=>sessionStorage.getItem(dt);function pn(e){e?sessionStorage.setItem(dt,e):sessionStorage.removeItem(dt),fe?.dispose(),fe=null}function hn(e){const t=e.__meta__?.hash,n=t?nr[t]:void 0;if(!n)throw new Error("document not registered: run npm run codegen");return n}let _n=()=>{};const rr=e=>{_n=e};async function V(e,t){const n=Be(),r=await fetch("/graphql",{method:"POST",headers:{"content-type":"application/json",accept:"application/graphql-response+json, application/json",...n?{authorization:`Bearer ${n}`}:{}},body:JSON.stringify({query:hn(e),variables:t??{}})});let s;try{s=await r.json()}catch{throw new nt(`HTTP ${r.status}`)}if(s.errors?.length){const i=s.errors[0].extensions?.code;throw i==="UNAUTHENTICATED"&&_n(),new nt(s.errors[0].message,i)}if(!s.data)throw new nt(`HTTP ${r.status}`);return s.data}let fe=null;const mt=new Set,or=e=>(mt.add(e),()=>{mt.delete(e)}),rt=e=>mt.forEach(t=>t(e));function ir(){if(fe)return fe;const e=`${location.protocol==="https:"?"wss":"ws"}://${location.host}/graphql`;return fe=Qn({url:e,connectionParams:()=>({authorization:`Bearer ${Be()??""}`}),retryAttempts:1/0,shouldRetry:()=>!0,on:{connecting:()=>rt("connecting"),connected:()=>rt("connected"),closed:()=>rt("closed")}}),fe}function sr(e,t,n,r,s){const i={query:hn(e),variables:{...t}},c=new Set;return ir().subscribe(i,{next:u=>{if(u.errors?.length)return s(u.errors[0]);if(!u.data)return;const p=n(u.data);c.has(p)||(c.add(p),i.variables.after=p,r(u.data))},error:s,complete:()=>{}})}class j extends String{__apiType;value;__meta__;constructor(t,n){super(t),this.value=t,this.__meta__=n}toString(){return this.value}}new j(`
    fragment TreeNode on TierNode {
  id
  code
  name
  kind
  depth
  children(first: 0) {
    totalCount
  }
  rollup {
    customerCount
    memberCount
    openTicketCount
    revenue {
      amount
      currency
    }
  }
}
    `,{fragmentName:"TreeNode"});const ar=new j(`
    mutation Login($input: LoginInput!) {
  login(input: $input) {
    token
    errors {
      field
      code
      message
    }
  }
}
    `,{hash:"sha256:7e7b38277b06967b303b1e9d31eb4091754b547a3b57d73f6aec6b3685c00ea8"}),cr=new j(`
    query Me {
  me {
    id
    name
    email
    role
    locale
    scope {
      id
      name
      settings {
        timezone
        currency
        locale
      }
    }
  }
}
    `,{hash:"sha256:314829eb823bb531e8a4853f590bad4c1ae4e12d5ca15be234e1c39aa3dae10d"}),ur=new j(`
    query TreeRoot {
  tierTree {
    ...TreeNode
  }
}
    fragment TreeNode on TierNode {
  id
  code
  name
  kind
  depth
  children(first: 0) {
    totalCount
  }
  rollup {
    customerCount
    memberCount
    openTicketCount
    revenue {
      amount
      currency
    }
  }
}`,{hash:"sha256:267c3b07633c907fcf129318dc6b292f79a42e784a54e607171e3b6db73cde22"}),lr=new j(`
    query TreeChildren($id: ID!, $after: String) {
  node(id: $id) {
    __typename
    ... on TierNode {
      id
      children(first: 50, after: $after) {
        edges {
          node {
            ...TreeNode
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
}
    fragment TreeNode on TierNode {
  id
  code
  name
  kind
  depth
  children(first: 0) {
    totalCount
  }
  rollup {
    customerCount
    memberCount
    openTicketCount
    revenue {
      amount
      currency
    }
  }
}`,{hash:"sha256:f5981b606d3804e0aec0aa5ec1250a36df5d59db11e5fa056bb6aac6cf5ced75"}),dr=new j(`
    query NodeSettings($id: ID!) {
  node(id: $id) {
    __typename
    ... on TierNode {
      id
      name
      ownSettings {
        currency
        locale
        timezone
        membershipProgram {
          id
          name
        }
      }
      settings {
        currency
        locale
        timezone
        membershipProgram {
          id
          name
        }
      }
    }
  }
}
    `,{hash:"sha256:20e27cf74c8d1476413f9f5cb8babbf897c127a81e24f0d02205fdc14c461329"}),mr=new j(`
    query SearchOptions {
  membershipPrograms {
    id
    name
    tiers {
      id
      name
      rank
    }
  }
  tierTree {
    id
    name
    descendants(first: 100, maxDepth: 3) {
      edges {
        node {
          id
          name
          depth
        }
      }
    }
  }
}
    `,{hash:"sha256:45646c81061ab9217dfe638601c7b289512222f896bf573ae514ad992014566c"}),fr=new j(`
    query SearchCustomers($first: Int!, $after: String, $filter: CustomerFilter, $orderBy: CustomerOrder) {
  customers(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      cursor
      node {
        id
        name
        email
        externalRef
        tags
        createdAt
        node {
          id
          name
        }
        membership {
          id
          pointsBalance
          tier {
            id
            name
          }
        }
      }
    }
  }
}
    `,{hash:"sha256:53a2d3958e5b01ae42d3911ffb110f40f36f05c172126a1cf203f5723b25cc0e"}),pr=new j(`
    query CustomerPage($id: ID!) {
  customer(id: $id) {
    id
    name
    email
    phone
    externalRef
    locale
    tags
    createdAt
    node {
      id
      name
      code
      settings {
        timezone
        currency
        locale
      }
    }
    lifetimeValue {
      amount
      currency
    }
    membership {
      id
      pointsBalance
      qualifyingPoints
      joinedAt
      program {
        id
        name
      }
      tier {
        id
        name
      }
      coupons {
        id
        code
        status
        percentOff
        expiresAt
        amountOff {
          amount
          currency
        }
      }
      pointsLedger(first: 10) {
        edges {
          node {
            id
            delta
            balanceAfter
            reason
            note
            createdAt
          }
        }
      }
    }
    orders(first: 10) {
      totalCount
      edges {
        node {
          id
          number
          status
          placedAt
          total {
            amount
            currency
          }
        }
      }
    }
    tickets(first: 10) {
      totalCount
      edges {
        node {
          id
          number
          subject
          status
          priority
          slaDueAt
          slaBreached
        }
      }
    }
    interactions(first: 10) {
      totalCount
      edges {
        node {
          id
          kind
          channel
          summary
          occurredAt
          staff {
            id
            name
          }
        }
      }
    }
  }
}
    `,{hash:"sha256:34c3000ec16d8dc68aa1461718596753f09409895e1bb496f3ee8ca3a3346fea"}),hr=new j(`
    query Timeline($id: ID!, $after: String) {
  customer(id: $id) {
    id
    timeline(first: 20, after: $after) {
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        cursor
        node {
          __typename
          ... on Order {
            id
            number
            orderStatus: status
            placedAt
            total {
              amount
              currency
            }
          }
          ... on Ticket {
            id
            number
            subject
            ticketStatus: status
            createdAt
          }
          ... on Interaction {
            id
            kind
            summary
            occurredAt
            staff {
              name
            }
          }
          ... on PointsEntry {
            id
            delta
            reason
            note
            createdAt
          }
          ... on TierChange {
            at
            tierReason: reason
            from {
              name
            }
            to {
              name
            }
          }
          ... on Opportunity {
            id
            title
            opportunityStatus: status
            createdAt
            amount {
              amount
              currency
            }
          }
        }
      }
    }
  }
}
    `,{hash:"sha256:51f84b1eece5b74d7a2703a242ba32b835788f0f11e8f2e25c19427ed66c2f16"}),_r=new j(`
    mutation LogInteraction($input: LogInteractionInput!) {
  logInteraction(input: $input) {
    interaction {
      id
    }
    errors {
      field
      code
      message
    }
  }
}
    `,{hash:"sha256:1f16bccc1915a02eb082447a44baaeb58555ae71ee128f39b8d5cdfe9efe8c10"}),gr=new j(`
    mutation OpenTicket($input: OpenTicketInput!) {
  openTicket(input: $input) {
    ticket {
      id
      number
    }
    errors {
      field
      code
      message
    }
  }
}
    `,{hash:"sha256:8602cfda29ec59d896819e09ee384646feb6154a542de06631776bc6e897a521"}),yr=new j(`
    mutation AdjustPoints($input: AdjustPointsInput!) {
  adjustPoints(input: $input) {
    membership {
      id
      pointsBalance
    }
    errors {
      field
      code
      message
    }
  }
}
    `,{hash:"sha256:5328af020435056dad94cfab04a1344ac8ccb3646d378e64f66cb670e91010fa"}),br=new j(`
    query Reports($from: DateTime) {
  reports {
    salesByNode(from: $from, groupBy: MONTH) {
      node {
        id
        name
      }
      rows {
        period
        node {
          id
          name
        }
        revenue {
          amount
          currency
        }
        orders
      }
    }
    tierDistribution {
      counts {
        node {
          id
          name
        }
        tier {
          id
          name
          rank
        }
        members
      }
    }
    rfm {
      segments {
        segment
        customers
      }
    }
    ticketSla(from: $from) {
      rows {
        node {
          id
          name
        }
        opened
        resolved
        breached
        medianResolutionSeconds
      }
    }
  }
}
    `,{hash:"sha256:bdcdc82bb529ca556bd5c6fe81e6a09c7fc7b6154fd9a1d60b87c994933b6215"}),vr=new j(`
    subscription Events($after: String) {
  events(after: $after) {
    cursor
    type
    occurredAt
    node {
      id
      name
    }
    subject {
      __typename
      id
      ... on Customer {
        name
      }
      ... on Interaction {
        summary
        customer {
          id
          name
        }
      }
      ... on Order {
        number
      }
      ... on Ticket {
        number
        subject
      }
    }
  }
}
    `,{hash:"sha256:cae15354b9fd6b6557199e5dd2278d99929d3159600db5cdfb4b5930dc69d310"}),Er={"\n  mutation Login($input: LoginInput!) {\n    login(input: $input) { token errors { field code message } }\n  }\n":ar,"\n  query Me {\n    me {\n      id name email role locale\n      scope { id name settings { timezone currency locale } }\n    }\n  }\n":cr,"\n  query TreeRoot {\n    tierTree { ...TreeNode }\n  }\n  fragment TreeNode on TierNode {\n    id code name kind depth\n    children(first: 0) { totalCount }\n    rollup { customerCount memberCount openTicketCount revenue { amount currency } }\n  }\n":ur,"\n  query TreeChildren($id: ID!, $after: String) {\n    node(id: $id) {\n      __typename\n      ... on TierNode {\n        id\n        children(first: 50, after: $after) {\n          edges { node { ...TreeNode } }\n          pageInfo { hasNextPage endCursor }\n        }\n      }\n    }\n  }\n":lr,"\n  query NodeSettings($id: ID!) {\n    node(id: $id) {\n      __typename\n      ... on TierNode {\n        id name\n        ownSettings { currency locale timezone membershipProgram { id name } }\n        settings { currency locale timezone membershipProgram { id name } }\n      }\n    }\n  }\n":dr,"\n  query SearchOptions {\n    membershipPrograms { id name tiers { id name rank } }\n    tierTree { id name descendants(first: 100, maxDepth: 3) { edges { node { id name depth } } } }\n  }\n":mr,"\n  query SearchCustomers($first: Int!, $after: String, $filter: CustomerFilter, $orderBy: CustomerOrder) {\n    customers(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges {\n        cursor\n        node {\n          id name email externalRef tags createdAt\n          node { id name }\n          membership { id pointsBalance tier { id name } }\n        }\n      }\n    }\n  }\n":fr,"\n  query CustomerPage($id: ID!) {\n    customer(id: $id) {\n      id name email phone externalRef locale tags createdAt\n      node { id name code settings { timezone currency locale } }\n      lifetimeValue { amount currency }\n      membership {\n        id pointsBalance qualifyingPoints joinedAt\n        program { id name }\n        tier { id name }\n        coupons { id code status percentOff expiresAt amountOff { amount currency } }\n        pointsLedger(first: 10) {\n          edges { node { id delta balanceAfter reason note createdAt } }\n        }\n      }\n      orders(first: 10) {\n        totalCount\n        edges { node { id number status placedAt total { amount currency } } }\n      }\n      tickets(first: 10) {\n        totalCount\n        edges { node { id number subject status priority slaDueAt slaBreached } }\n      }\n      interactions(first: 10) {\n        totalCount\n        edges { node { id kind channel summary occurredAt staff { id name } } }\n      }\n    }\n  }\n":pr,"\n  query Timeline($id: ID!, $after: String) {\n    customer(id: $id) {\n      id\n      timeline(first: 20, after: $after) {\n        pageInfo { hasNextPage endCursor }\n        edges {\n          cursor\n          node {\n            __typename\n            ... on Order { id number orderStatus: status placedAt total { amount currency } }\n            ... on Ticket { id number subject ticketStatus: status createdAt }\n            ... on Interaction { id kind summary occurredAt staff { name } }\n            ... on PointsEntry { id delta reason note createdAt }\n            ... on TierChange { at tierReason: reason from { name } to { name } }\n            ... on Opportunity { id title opportunityStatus: status createdAt amount { amount currency } }\n          }\n        }\n      }\n    }\n  }\n":hr,"\n  mutation LogInteraction($input: LogInteractionInput!) {\n    logInteraction(input: $input) { interaction { id } errors { field code message } }\n  }\n":_r,"\n  mutation OpenTicket($input: OpenTicketInput!) {\n    openTicket(input: $input) { ticket { id number } errors { field code message } }\n  }\n":gr,"\n  mutation AdjustPoints($input: AdjustPointsInput!) {\n    adjustPoints(input: $input) { membership { id pointsBalance } errors { field code message } }\n  }\n":yr,"\n  query Reports($from: DateTime) {\n    reports {\n      salesByNode(from: $from, groupBy: MONTH) {\n        node { id name }\n        rows { period node { id name } revenue { amount currency } orders }\n      }\n      tierDistribution { counts { node { id name } tier { id name rank } members } }\n      rfm { segments { segment customers } }\n      ticketSla(from: $from) { rows { node { id name } opened resolved breached medianResolutionSeconds } }\n    }\n  }\n":br,"\n  subscription Events($after: String) {\n    events(after: $after) {\n      cursor type occurredAt\n      node { id name }\n      subject {\n        __typename id\n        ... on Customer { name }\n        ... on Interaction { summary customer { id name } }\n        ... on Order { number }\n        ... on Ticket { number subject }\n      }\n    }\n  }\n":vr};function B(e){return Er[e]??{}}const Tr=B(`
  mutation Login($input: LoginInput!) {
    login(input: $input) { token errors { field code message } }
  }
`),Sr=B(`
  query Me {
    me {
      id name email role locale
      scope { id name settings { timezone currency locale } }
    }
  }
`),$r=B(`
  query TreeRoot {
    tierTree { ...TreeNode }
  }
  fragment TreeNode on TierNode {
    id code name kind depth
    children(first: 0) { totalCount }
    rollup { customerCount memberCount openTicketCount revenue { amount currency } }
  }
`),Ar=B(`
  query TreeChildren($id: ID!, $after: String) {
    node(id: $id) {
      __typename
      ... on TierNode {
        id
        children(first: 50, after: $after) {
          edges { node { ...TreeNode } }
          pageInfo { hasNextPage endCursor }
        }
      }
    }
  }
`),wr=B(`
  query NodeSettings($id: ID!) {
    node(id: $id) {
      __typename
      ... on TierNode {
        id name
        ownSettings { currency locale timezone membershipProgram { id name } }
        settings { currency locale timezone membershipProgram { id name } }
      }
    }
  }
`),Nr=B(`
  query SearchOptions {
    membershipPrograms { id name tiers { id name rank } }
    tierTree { id name descendants(first: 100, maxDepth: 3) { edges { node { id name depth } } } }
  }
`),Cr=B(`
  query SearchCustomers($first: Int!, $after: String, $filter: CustomerFilter, $orderBy: CustomerOrder) {
    customers(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        cursor
        node {
          id name email externalRef tags createdAt
          node { id name }
          membership { id pointsBalance tier { id name } }
        }
      }
    }
  }
`),Ir=B(`
  query CustomerPage($id: ID!) {
    customer(id: $id) {
      id name email phone externalRef locale tags createdAt
      node { id name code settings { timezone currency locale } }
      lifetimeValue { amount currency }
      membership {
        id pointsBalance qualifyingPoints joinedAt
        program { id name }
        tier { id name }
        coupons { id code status percentOff expiresAt amountOff { amount currency } }
        pointsLedger(first: 10) {
          edges { node { id delta balanceAfter reason note createdAt } }
        }
      }
      orders(first: 10) {
        totalCount
        edges { node { id number status placedAt total { amount currency } } }
      }
      tickets(first: 10) {
        totalCount
        edges { node { id number subject status priority slaDueAt slaBreached } }
      }
      interactions(first: 10) {
        totalCount
        edges { node { id kind channel summary occurredAt staff { id name } } }
      }
    }
  }
`),kr=B(`
  query Timeline($id: ID!, $after: String) {
    customer(id: $id) {
      id
      timeline(first: 20, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges {
          cursor
          node {
            __typename
            ... on Order { id number orderStatus: status placedAt total { amount currency } }
            ... on Ticket { id number subject ticketStatus: status createdAt }
            ... on Interaction { id kind summary occurredAt staff { name } }
            ... on PointsEntry { id delta reason note createdAt }
            ... on TierChange { at tierReason: reason from { name } to { name } }
            ... on Opportunity { id title opportunityStatus: status createdAt amount { amount currency } }
          }
        }
      }
    }
  }
`),Or=B(`
  mutation LogInteraction($input: LogInteractionInput!) {
    logInteraction(input: $input) { interaction { id } errors { field code message } }
  }
`),Rr=B(`
  mutation OpenTicket($input: OpenTicketInput!) {
    openTicket(input: $input) { ticket { id number } errors { field code message } }
  }
`),Dr=B(`
  mutation AdjustPoints($input: AdjustPointsInput!) {
    adjustPoints(input: $input) { membership { id pointsBalance } errors { field code message } }
  }
`),ho=B(`
  query Reports($from: DateTime) {
    reports {
      salesByNode(from: $from, groupBy: MONTH) {
        node { id name }
        rows { period node { id name } revenue { amount currency } orders }
      }
      tierDistribution { counts { node { id name } tier { id name rank } members } }
      rfm { segments { segment customers } }
      ticketSla(from: $from) { rows { node { id name } opened resolved breached medianResolutionSeconds } }
    }
  }
`),Pr=B(`
  subscription Events($after: String) {
    events(after: $after) {
      cursor type occurredAt
      node { id name }
      subject {
        __typename id
        ... on Customer { name }
        ... on Interaction { summary customer { id name } }
        ... on Order { number }
        ... on Ticket { number subject }
      }
    }
  }
`);var Lr=Symbol.for("preact-signals");function Je(){if(te>1)te--;else{var e,t=!1;for((function(){var s=He;for(He=void 0;s!==void 0;){var i=s.S;if(i.v===s.v)for(var c=i.t;c!==void 0;c=c.x)c.i===s.i&&(c.i=i.i);s=s.o}})();Se!==void 0;){var n=Se;for(Se=void 0,Ge++;n!==void 0;){var r=n.u;if(n.u=void 0,n.f&=-3,!(8&n.f)&&yn(n))try{n.c()}catch(s){t||(e=s,t=!0)}n=r}}if(Ge=0,te--,t)throw e}}function xr(e){if(te>0)return e();ft=++Mr,te++;try{return e()}finally{Je()}}var Te,I=void 0;function Ze(e){var t=I,n=Te;I=void 0,Te=void 0;try{return e()}finally{I=t,Te=n}}var Se=void 0,te=0,Ge=0,Mr=0,ft=0,He=void 0,ze=0;function gn(e){if(I!==void 0){var t=e.n;if(t===void 0||t.t!==I)return t={i:0,S:e,p:I.s,n:void 0,t:I,e:void 0,x:void 0,r:t},I.s!==void 0&&(I.s.n=t),I.s=t,e.n=t,32&I.f&&e.S(t),t;if(t.i===-1)return t.i=0,t.n!==void 0&&(t.n.p=t.p,t.p!==void 0&&(t.p.n=t.n),t.p=I.s,t.n=void 0,I.s.n=t,I.s=t),t}}function x(e,t){this.v=e,this.i=0,this.n=void 0,this.t=void 0,this.l=0,this.W=t?.watched,this.Z=t?.unwatched,this.name=t?.name}x.prototype.brand=Lr;x.prototype.h=function(){return!0};x.prototype.S=function(e){var t=this,n=this.t;n!==e&&e.e===void 0&&(e.x=n,this.t=e,n!==void 0?n.e=e:Ze(function(){var r;(r=t.W)==null||r.call(t)}))};x.prototype.U=function(e){var t=this;if(this.t!==void 0){var n=e.e,r=e.x;n!==void 0&&(n.x=r,e.e=void 0),r!==void 0&&(r.e=n,e.x=void 0),e===this.t&&(this.t=r,r===void 0&&Ze(function(){var s;(s=t.Z)==null||s.call(t)}))}};x.prototype.subscribe=function(e){var t=this;return Ne(function(){var n=t.value;Ze(function(){return e(n)})},{name:"sub"})};x.prototype.valueOf=function(){return this.value};x.prototype.toString=function(){return this.value+""};x.prototype.toJSON=function(){return this.value};x.prototype.peek=function(){var e=this;return Ze(function(){return e.value})};Object.defineProperty(x.prototype,"value",{get:function(){var e=gn(this);return e!==void 0&&(e.i=this.i),this.v},set:function(e){if(e!==this.v){if(Ge>100)throw new Error("Cycle detected");(function(n){te!==0&&Ge===0&&n.l!==ft&&(n.l=ft,He={S:n,v:n.v,i:n.i,o:He})})(this),this.v=e,this.i++,ze++,te++;try{for(var t=this.t;t!==void 0;t=t.x)t.t.N()}finally{Je()}}}});function Y(e,t){return new x(e,t)}function yn(e){for(var t=e.s;t!==void 0;t=t.n)if(t.S.i!==t.i||!t.S.h()||t.S.i!==t.i)return!0;return!1}function bn(e){for(var t=e.s;t!==void 0;t=t.n){var n=t.S.n;if(n!==void 0&&(t.r=n),t.S.n=t,t.i=-1,t.n===void 0){e.s=t;break}}}function vn(e){for(var t=e.s,n=void 0;t!==void 0;){var r=t.p;t.i===-1?(t.S.U(t),r!==void 0&&(r.n=t.n),t.n!==void 0&&(t.n.p=r)):n=t,t.S.n=t.r,t.r!==void 0&&(t.r=void 0),t=r}e.s=n}function ue(e,t){x.call(this,void 0,t),this.x=e,this.s=void 0,this.g=ze-1,this.f=4}ue.prototype=new x;ue.prototype.h=function(){if(this.f&=-3,1&this.f)return!1;if((36&this.f)==32||(this.f&=-5,this.g===ze))return!0;if(this.g=ze,this.f|=1,this.i>0&&!yn(this))return this.f&=-2,!0;var e=I;try{bn(this),I=this;var t=this.x();(16&this.f||this.v!==t||this.i===0)&&(this.v=t,this.f&=-17,this.i++)}catch(n){this.v=n,this.f|=16,this.i++}return I=e,vn(this),this.f&=-2,!0};ue.prototype.S=function(e){if(this.t===void 0){this.f|=36;for(var t=this.s;t!==void 0;t=t.n)t.S.S(t)}x.prototype.S.call(this,e)};ue.prototype.U=function(e){if(this.t!==void 0&&(x.prototype.U.call(this,e),this.t===void 0)){this.f&=-33;for(var t=this.s;t!==void 0;t=t.n)t.S.U(t)}};ue.prototype.N=function(){if(!(2&this.f)){this.f|=6;for(var e=this.t;e!==void 0;e=e.x)e.t.N()}};Object.defineProperty(ue.prototype,"value",{get:function(){if(1&this.f)throw new Error("Cycle detected");var e=gn(this);if(this.h(),e!==void 0&&(e.i=this.i),16&this.f)throw this.v;return this.v}});function pt(e,t){return new ue(e,t)}function En(e){var t=e.j;if(e.j=void 0,typeof t=="function"){te++;var n=I;I=void 0;try{t()}catch(r){throw e.f&=-2,e.f|=8,St(e),r}finally{I=n,Je()}}}function St(e){for(var t=e.s;t!==void 0;t=t.n)t.S.U(t);e.x=void 0,e.s=void 0,En(e)}function Ur(e){if(I!==this)throw new Error("Out-of-order effect");vn(this),I=e,this.f&=-2;try{8&this.f&&St(this)}finally{Je()}}function _e(e,t){this.x=e,this.j=void 0,this.s=void 0,this.u=void 0,this.f=32,this.name=t?.name,Te&&Te.push(this)}_e.prototype.c=function(){var e=this.S();try{if(8&this.f||this.x===void 0)return;var t=this.x();typeof t=="function"&&(this.j=t)}finally{e()}};_e.prototype.S=function(){if(1&this.f)throw new Error("Cycle detected");this.f|=1,this.f&=-9,En(this),bn(this),te++;var e=I;return I=this,Ur.bind(this,e)};_e.prototype.N=function(){2&this.f||(this.f|=2,this.u=Se,Se=this)};_e.prototype.d=function(){this.f|=8,1&this.f||St(this)};_e.prototype.dispose=function(){this.d()};function Ne(e,t){var n=new _e(e,t);try{n.c()}catch(s){throw n.d(),s}var r=n.d.bind(n);return r[Symbol.dispose]=r,r}var Tn,Re,jr=typeof window<"u"&&!!window.__PREACT_SIGNALS_DEVTOOLS__,Sn=[];Ne(function(){Tn=this.N})();function ge(e,t){T[e]=t.bind(null,T[e]||function(){})}function we(e){if(Re){var t=Re;Re=void 0,t()}Re=e&&e.S()}function $n(e){var t=this,n=e.data,r=qr(n);r.name="ReactiveDom",r.value=n;var s=Tt(function(){for(var u=t,p=t.__v;p=p.__;)if(p.__c){p.__c.__$f|=4;break}var l=pt(function(){var f=r.value.value;return f===0?0:f===!0?"":f||""}),d=pt(function(){return!Array.isArray(l.value)&&!Zt(l.value)}),_=Ne(function(){if(this.N=An,d.value){var f=l.value;u.__v&&u.__v.__e&&u.__v.__e.nodeType===3&&(u.__v.__e.data=f)}}),a=t.__$u.d;return t.__$u.d=function(){_(),a.call(this)},[d,l]},[]),i=s[0],c=s[1];return i.value?c.peek():c.value}$n.displayName="ReactiveTextNode";Object.defineProperties(x.prototype,{constructor:{configurable:!0,value:tn(K,null).constructor},type:{configurable:!0,value:$n},props:{configurable:!0,get:function(){var e=this;return{data:{get value(){return e.value}}}}},__b:{configurable:!0,value:1}});ge("__b",function(e,t){if(we(),typeof t.type=="string"){var n,r=t.props;for(var s in r)if(s!=="children"){var i=r[s];i instanceof x&&(n||(t.__np=n={}),n[s]=i,r[s]=i.peek())}}e(t)});ge("__r",function(e,t){if(e(t),t.type!==K){we();var n,r=t.__c;r&&(r.__$f&=-2,(n=r.__$u)===void 0&&(r.__$u=n=(function(s,i){var c;return Ne(function(){c=this},{name:i}),c.c=s,c})((function(s){return function(){var i;jr&&((i=this.y)==null||i.call(this)),s.__$f|=1,s.setState({})}})(r),typeof t.type=="function"?t.type.displayName||t.type.name:""))),we(n)}});ge("__e",function(e,t,n,r){we(),e(t,n,r)});ge("diffed",function(e,t){we();var n;if(typeof t.type=="string"&&(n=t.__e)){var r=t.__np,s=t.props,i=n.U;if(i)for(var c in i){var u=i[c];u===void 0||r&&c in r||(u.d(),i[c]=void 0)}if(r){i||(i={},n.U=i);for(var p in r){var l=i[p],d=r[p];l===void 0?(l=Fr(n,p,d,s),i[p]=l):l.o(d,s)}}}e(t)});function Fr(e,t,n,r){var s=t in e&&e.ownerSVGElement===void 0,i=Y(n);return{o:function(c,u){i.value=c,r=u},d:Ne(function(){this.N=An;var c=i.value.value;r[t]!==c&&(r[t]=c,s?e[t]=c:c!=null&&(c!==!1||t[4]==="-")?e.setAttribute(t,c):e.removeAttribute(t))})}}ge("unmount",function(e,t){if(typeof t.type=="string"){var n=t.__e;if(n){var r=n.U;if(r){n.U=void 0;for(var s in r){var i=r[s];i&&i.d()}}}var c=t.__np;if(c){var u=t.props;for(var p in c)u[p]=c[p]}t.__np=void 0}else{var l=t.__c;if(l){l.__$f|=8;var d=l.__$u;d&&(l.__$u=void 0,d.d())}}e(t)});ge("__h",function(e,t,n,r){r<3&&(t.__$f|=2),e(t,n,r)});Ee.prototype.shouldComponentUpdate=function(e,t){if(this.__R)return!0;var n=this.__$u,r=n&&n.s!==void 0;for(var s in t)return!0;if(this.__f||typeof this.u=="boolean"&&this.u===!0){var i=2&this.__$f;if(!(r||i||4&this.__$f)||1&this.__$f)return!0}else if(!(r||4&this.__$f)||3&this.__$f)return!0;for(var c in e)if(c!=="__source"&&e[c]!==this.props[c])return!0;for(var u in this.props)if(!(u in e))return!0;return!1};function qr(e,t){return Tt(function(){return Y(e,t)},[])}var Br=function(e){queueMicrotask(function(){queueMicrotask(e)})};function Gr(){xr(function(){for(var e;e=Sn.shift();)Tn.call(e)})}function An(){Sn.push(this)===1&&(T.requestAnimationFrame||Br)(Gr)}const $t={"app.title":"Canopy",skip:"Skip to content",loading:"Loading…",error:"Something went wrong: {message}",language:"Language",logout:"Sign out",more:"Load more",none:"None","nav.label":"Sections","nav.tree":"Organisation","nav.customers":"Customers","nav.reports":"Reports","nav.live":"Live feed","login.title":"Sign in to Canopy","login.email":"Email","login.password":"Password","login.submit":"Sign in","tree.title":"Organisation","tree.expand":"Expand {name}","tree.collapse":"Collapse {name}","tree.customers":"Customers","tree.members":"Members","tree.revenue":"Revenue","tree.tickets":"Open tickets","tree.settings":"Settings","tree.own":"set here","tree.inherited":"inherited","tree.none":"not set","settings.currency":"Currency","settings.locale":"Locale","settings.timezone":"Time zone","settings.program":"Membership program","search.title":"Customers","search.query":"Search","search.tags":"Tags (comma-separated)","search.tier":"Tier","search.node":"Subtree","search.sort":"Sort by","search.any":"Any","search.submit":"Search","search.results":"{count} customers","sort.CREATED_AT_DESC":"Newest first","sort.CREATED_AT_ASC":"Oldest first","sort.NAME_ASC":"Name A–Z","sort.NAME_DESC":"Name Z–A","sort.UPDATED_AT_DESC":"Recently updated","col.name":"Name","col.email":"Email","col.store":"Store","col.tier":"Tier","col.points":"Points","col.created":"Created","cust.back":"Back to customers","cust.notFound":"No such customer.","cust.email":"Email","cust.phone":"Phone","cust.ref":"External ref","cust.store":"Store","cust.since":"Customer since","cust.ltv":"Lifetime value","cust.tags":"Tags","cust.membership":"Membership","cust.notMember":"Not enrolled","cust.tier":"Program and tier","cust.points":"Points balance","cust.qualifying":"Qualifying points","cust.coupons":"Coupons","cust.ledger":"Points ledger","cust.orders":"Orders","cust.tickets":"Tickets","cust.interactions":"Interactions","cust.timeline":"Timeline","cust.timelineMore":"Load older","cust.end":"Start of the timeline","cust.breached":"SLA breached","act.title":"Actions","act.log":"Log an interaction","act.kind":"Kind","act.summary":"Summary","act.logSubmit":"Log interaction","act.logged":"Interaction logged.","act.ticket":"Open a ticket","act.subject":"Subject","act.description":"Description","act.priority":"Priority","act.ticketSubmit":"Open ticket","act.opened":"Ticket {number} opened.","act.points":"Adjust points","act.delta":"Points (+/−)","act.reason":"Reason","act.pointsSubmit":"Adjust points","act.adjusted":"Balance is now {balance}.","act.integer":"must be a whole number","rep.title":"Reports","rep.sales":"Revenue by node, last 12 months","rep.tiers":"Members per tier","rep.rfm":"RFM segments","rep.sla":"Tickets and SLA, last 12 months","rep.opened":"Opened","rep.resolved":"Resolved","rep.breached":"Breached","rep.node":"Node","rep.median":"Median hours to resolve","rep.customers":"Customers","rep.empty":"No data yet","live.title":"Live feed","live.empty":"Waiting for events…","live.open":"Open","live.forbidden":"Your role does not receive the event feed.","live.status.off":"","live.status.connecting":"connecting…","live.status.connected":"live","live.status.closed":"reconnecting…","enum.ADMIN":"Admin","enum.MANAGER":"Manager","enum.SALES":"Sales","enum.SUPPORT":"Support","enum.INTEGRATOR":"Integrator","enum.PENDING":"pending","enum.PAID":"paid","enum.FULFILLED":"fulfilled","enum.CANCELLED":"cancelled","enum.REFUNDED":"refunded","enum.OPEN":"open","enum.IN_PROGRESS":"in progress","enum.WAITING":"waiting","enum.RESOLVED":"resolved","enum.CLOSED":"closed","enum.WON":"won","enum.LOST":"lost","enum.ISSUED":"issued","enum.REDEEMED":"redeemed","enum.EXPIRED":"expired","enum.VOID":"void","enum.CALL":"Call","enum.VISIT":"Visit","enum.MESSAGE":"Message","enum.EMAIL":"Email","enum.NOTE":"Note","enum.LOW":"low","enum.NORMAL":"normal","enum.HIGH":"high","enum.URGENT":"urgent","enum.EARN":"earned","enum.REDEEM":"redeemed","enum.EXPIRE":"expired","enum.ADJUST":"adjusted","enum.REFUND":"refunded","enum.Order":"Order","enum.Ticket":"Ticket","enum.PointsEntry":"Points","enum.TierChange":"Tier","enum.Opportunity":"Opportunity","enum.RFM_CHAMPIONS":"Champions","enum.RFM_LOYAL":"Loyal","enum.RFM_POTENTIAL_LOYALIST":"Potential loyalists","enum.RFM_NEW_CUSTOMER":"New customers","enum.RFM_PROMISING":"Promising","enum.RFM_NEED_ATTENTION":"Need attention","enum.RFM_ABOUT_TO_SLEEP":"About to sleep","enum.RFM_CANNOT_LOSE":"Cannot lose","enum.RFM_AT_RISK":"At risk","enum.RFM_HIBERNATING":"Hibernating","enum.RFM_LOST":"Lost","enum.CUSTOMER_CREATED":"Customer created","enum.CUSTOMER_UPDATED":"Customer updated","enum.CUSTOMER_ERASED":"Customer erased","enum.ORDER_PLACED":"Order placed","enum.ORDER_PAID":"Order paid","enum.ORDER_FULFILLED":"Order fulfilled","enum.ORDER_CANCELLED":"Order cancelled","enum.ORDER_REFUNDED":"Order refunded","enum.POINTS_CHANGED":"Points changed","enum.TIER_CHANGED":"Tier changed","enum.COUPON_ISSUED":"Coupon issued","enum.COUPON_REDEEMED":"Coupon redeemed","enum.TICKET_OPENED":"Ticket opened","enum.TICKET_UPDATED":"Ticket updated","enum.INTERACTION_LOGGED":"Interaction logged","enum.TIER_NODE_CHANGED":"Node changed","enum.OPPORTUNITY_CREATED":"Opportunity created","enum.OPPORTUNITY_STAGE_CHANGED":"Opportunity moved","enum.OPPORTUNITY_WON":"Opportunity won","enum.OPPORTUNITY_LOST":"Opportunity lost","enum.WEBHOOK_DISABLED":"Webhook disabled"},Hr={"app.title":"Canopy",skip:"跳到正文",loading:"加载中…",error:"出错了：{message}",language:"语言",logout:"退出登录",more:"加载更多",none:"无","nav.label":"栏目","nav.tree":"组织架构","nav.customers":"客户","nav.reports":"报表","nav.live":"实时动态","login.title":"登录 Canopy","login.email":"邮箱","login.password":"密码","login.submit":"登录","tree.title":"组织架构","tree.expand":"展开 {name}","tree.collapse":"收起 {name}","tree.customers":"客户","tree.members":"会员","tree.revenue":"营收","tree.tickets":"未结工单","tree.settings":"设置","tree.own":"本节点设置","tree.inherited":"继承","tree.none":"未设置","settings.currency":"货币","settings.locale":"区域语言","settings.timezone":"时区","settings.program":"会员计划","search.title":"客户","search.query":"搜索","search.tags":"标签（逗号分隔）","search.tier":"等级","search.node":"子树","search.sort":"排序","search.any":"全部","search.submit":"搜索","search.results":"共 {count} 位客户","sort.CREATED_AT_DESC":"最新创建","sort.CREATED_AT_ASC":"最早创建","sort.NAME_ASC":"姓名升序","sort.NAME_DESC":"姓名降序","sort.UPDATED_AT_DESC":"最近更新","col.name":"姓名","col.email":"邮箱","col.store":"门店","col.tier":"等级","col.points":"积分","col.created":"创建时间","cust.back":"返回客户列表","cust.notFound":"没有这位客户。","cust.email":"邮箱","cust.phone":"电话","cust.ref":"外部编号","cust.store":"门店","cust.since":"成为客户","cust.ltv":"累计价值","cust.tags":"标签","cust.membership":"会员","cust.notMember":"未入会","cust.tier":"计划与等级","cust.points":"积分余额","cust.qualifying":"定级积分","cust.coupons":"优惠券","cust.ledger":"积分明细","cust.orders":"订单","cust.tickets":"工单","cust.interactions":"互动记录","cust.timeline":"时间线","cust.timelineMore":"加载更早","cust.end":"时间线起点","cust.breached":"已超出 SLA","act.title":"操作","act.log":"记录互动","act.kind":"类型","act.summary":"摘要","act.logSubmit":"记录互动","act.logged":"互动已记录。","act.ticket":"新建工单","act.subject":"主题","act.description":"描述","act.priority":"优先级","act.ticketSubmit":"新建工单","act.opened":"工单 {number} 已创建。","act.points":"调整积分","act.delta":"积分（+/−）","act.reason":"原因","act.pointsSubmit":"调整积分","act.adjusted":"当前余额 {balance}。","act.integer":"必须是整数","rep.title":"报表","rep.sales":"近 12 个月各节点营收","rep.tiers":"各等级会员数","rep.rfm":"RFM 客户分群","rep.sla":"近 12 个月工单与 SLA","rep.opened":"新建","rep.resolved":"已解决","rep.breached":"超时","rep.node":"节点","rep.median":"解决时长中位数（小时）","rep.customers":"客户","rep.empty":"暂无数据","live.title":"实时动态","live.empty":"等待事件…","live.open":"打开","live.forbidden":"您的角色不接收事件动态。","live.status.off":"","live.status.connecting":"连接中…","live.status.connected":"实时","live.status.closed":"重新连接中…","enum.ADMIN":"管理员","enum.MANAGER":"经理","enum.SALES":"销售","enum.SUPPORT":"客服","enum.INTEGRATOR":"集成","enum.PENDING":"待付款","enum.PAID":"已付款","enum.FULFILLED":"已完成","enum.CANCELLED":"已取消","enum.REFUNDED":"已退款","enum.OPEN":"未处理","enum.IN_PROGRESS":"处理中","enum.WAITING":"等待中","enum.RESOLVED":"已解决","enum.CLOSED":"已关闭","enum.WON":"赢单","enum.LOST":"丢单","enum.ISSUED":"已发放","enum.REDEEMED":"已使用","enum.EXPIRED":"已过期","enum.VOID":"已作废","enum.CALL":"电话","enum.VISIT":"到店","enum.MESSAGE":"消息","enum.EMAIL":"邮件","enum.NOTE":"备注","enum.LOW":"低","enum.NORMAL":"普通","enum.HIGH":"高","enum.URGENT":"紧急","enum.EARN":"获得","enum.REDEEM":"兑换","enum.EXPIRE":"过期","enum.ADJUST":"调整","enum.REFUND":"退款","enum.Order":"订单","enum.Ticket":"工单","enum.PointsEntry":"积分","enum.TierChange":"等级","enum.Opportunity":"商机","enum.RFM_CHAMPIONS":"冠军客户","enum.RFM_LOYAL":"忠诚客户","enum.RFM_POTENTIAL_LOYALIST":"潜在忠诚","enum.RFM_NEW_CUSTOMER":"新客户","enum.RFM_PROMISING":"有潜力","enum.RFM_NEED_ATTENTION":"需关注","enum.RFM_ABOUT_TO_SLEEP":"即将沉睡","enum.RFM_CANNOT_LOSE":"不能流失","enum.RFM_AT_RISK":"有流失风险","enum.RFM_HIBERNATING":"休眠","enum.RFM_LOST":"已流失","enum.CUSTOMER_CREATED":"新建客户","enum.CUSTOMER_UPDATED":"更新客户","enum.CUSTOMER_ERASED":"删除客户数据","enum.ORDER_PLACED":"下单","enum.ORDER_PAID":"订单付款","enum.ORDER_FULFILLED":"订单完成","enum.ORDER_CANCELLED":"订单取消","enum.ORDER_REFUNDED":"订单退款","enum.POINTS_CHANGED":"积分变动","enum.TIER_CHANGED":"等级变动","enum.COUPON_ISSUED":"发放优惠券","enum.COUPON_REDEEMED":"使用优惠券","enum.TICKET_OPENED":"新建工单","enum.TICKET_UPDATED":"更新工单","enum.INTERACTION_LOGGED":"记录互动","enum.TIER_NODE_CHANGED":"节点变更","enum.OPPORTUNITY_CREATED":"新建商机","enum.OPPORTUNITY_STAGE_CHANGED":"商机阶段变更","enum.OPPORTUNITY_WON":"商机赢单","enum.OPPORTUNITY_LOST":"商机丢单","enum.WEBHOOK_DISABLED":"Webhook 已停用"},wn={en:$t,"zh-CN":Hr},At="canopy.lang",ce=Y(sessionStorage.getItem(At)||"en"),Nn=Y(void 0);function zr(e){return e?.toLowerCase().startsWith("zh")?"zh-CN":"en"}function wt(e,t=!0){ce.value=e,document.documentElement.lang=e,t&&sessionStorage.setItem(At,e)}const Wr=()=>sessionStorage.getItem(At);function m(e,t){let n=wn[ce.value][e]??$t[e];for(const[r,s]of Object.entries(t??{}))n=n.replace(`{${r}}`,String(s));return n}const Qe=()=>ce.value==="zh-CN"?"zh-CN":"en-GB",W=e=>new Intl.NumberFormat(Qe()).format(Number(e)),pe=e=>new Intl.NumberFormat(Qe(),{style:"currency",currency:e.currency}).format(Number(e.amount));function oe(e,t){return new Intl.DateTimeFormat(Qe(),{dateStyle:"medium",timeStyle:"short",timeZone:t||Nn.value}).format(new Date(e))}const _o=e=>new Intl.DateTimeFormat(Qe(),{year:"numeric",month:"short",timeZone:"UTC"}).format(new Date(e));function P(e){const t=`enum.${e}`;return wn[ce.value][t]??$t[t]??e}const Ce=Y(null),Cn=Y(location.hash.slice(1)||"/tree");addEventListener("hashchange",()=>{Cn.value=location.hash.slice(1)||"/tree"});const Vr=e=>{location.hash=e},$e={adjustPoints:e=>e.role==="ADMIN"||e.role==="MANAGER",openTicket:e=>["ADMIN","MANAGER","SUPPORT"].includes(e.role),logInteraction:e=>["ADMIN","MANAGER","SALES","SUPPORT"].includes(e.role),readEvents:e=>["ADMIN","MANAGER","INTEGRATOR"].includes(e.role)},he=Y([]),Nt=Y("off"),We=Y(null),Kr=200;let ht=null,_t=null;function Yr(e){In(),$e.readEvents(e)&&(_t=or(t=>{Nt.value=t}),ht=sr(Pr,{after:null},t=>t.events.cursor,t=>{he.value=[t.events,...he.value].slice(0,Kr)},t=>{We.value=String(t.message??t)}))}function In(){ht?.(),_t?.(),ht=_t=null,he.value=[],Nt.value="off",We.value=null}function kn(e,t){const n={};for(const r of e){let s=r.field?.[0]??"";t&&!t.includes(s)&&(s=""),n[s]=n[s]?`${n[s]}; ${r.message}`:r.message}return n}function Me({id:e,errors:t,field:n}){const r=t[n];return o("p",{id:e,class:"field-error",role:r?"alert":void 0,children:r??""})}function Jr({onToken:e}){const[t,n]=$(""),[r,s]=$(""),[i,c]=$({}),[u,p]=$(!1);async function l(d){d.preventDefault(),p(!0),c({});try{const{login:_}=await V(Tr,{input:{email:t,password:r}});_.token?await e(_.token):c(kn(_.errors))}catch(_){c({"":String(_.message)})}finally{p(!1)}}return o("main",{class:"login",children:o("form",{onSubmit:l,"aria-labelledby":"login-title",children:[o("h1",{id:"login-title",children:m("login.title")}),o("label",{children:[m("login.email"),o("input",{name:"email",type:"email",autoComplete:"username",required:!0,value:t,"aria-invalid":!!i.email,"aria-describedby":"err-email",onInput:d=>n(d.target.value)})]}),o(Me,{id:"err-email",errors:i,field:"email"}),o("label",{children:[m("login.password"),o("input",{name:"password",type:"password",autoComplete:"current-password",required:!0,value:r,"aria-invalid":!!i.password,"aria-describedby":"err-password",onInput:d=>s(d.target.value)})]}),o(Me,{id:"err-password",errors:i,field:"password"}),o(Me,{id:"err-login",errors:i,field:""}),o("button",{type:"submit",disabled:u,children:m("login.submit")}),o("label",{class:"lang",children:[m("language"),o("select",{value:ce.value,onChange:d=>wt(d.target.value),children:[o("option",{value:"en",children:"English"}),o("option",{value:"zh-CN",children:"简体中文"})]})]})]})})}function ye({rows:e,height:t="2.5rem"}){return o("div",{class:"skeleton","aria-hidden":"true",children:Array.from({length:Math.max(e,1)},(n,r)=>o("div",{style:{height:t}},r))})}function Ie({message:e}){return o("p",{class:"failure",role:"alert",children:m("error",{message:e})})}function Zr({node:e}){const t=e.rollup;return o("dl",{class:"rollup",children:[o("div",{children:[o("dt",{children:m("tree.customers")}),o("dd",{children:W(t.customerCount)})]}),o("div",{children:[o("dt",{children:m("tree.members")}),o("dd",{children:W(t.memberCount)})]}),o("div",{children:[o("dt",{children:m("tree.revenue")}),o("dd",{children:pe(t.revenue)})]}),o("div",{children:[o("dt",{children:m("tree.tickets")}),o("dd",{children:W(t.openTicketCount)})]})]})}function On({node:e,selected:t,onSelect:n}){const[r,s]=$(!1),[i,c]=$(null),[u,p]=$(null),l=e.children.totalCount>0;async function d(a){try{const f=await V(Ar,{id:e.id,after:a}),h=f.node?.__typename==="TierNode"?f.node.children:null;if(!h)return;c(S=>({nodes:[...a?S?.nodes??[]:[],...h.edges.map(A=>A.node)],next:h.pageInfo.hasNextPage?h.pageInfo.endCursor??null:null}))}catch(f){p(f.message)}}function _(){!r&&!i&&d(null),s(!r)}return o("li",{role:"treeitem","aria-expanded":l?r:void 0,"aria-selected":t===e.id,children:[o("div",{class:"tree-row",children:[l?o("button",{type:"button",class:"toggle","aria-label":m(r?"tree.collapse":"tree.expand",{name:e.name}),onClick:_,children:r?"▾":"▸"}):o("span",{class:"toggle","aria-hidden":"true"}),o("button",{type:"button",class:"link node-name",onClick:()=>n(e.id),children:[e.name," ",o("small",{children:[e.kind," · ",e.code]})]}),o(Zr,{node:e})]}),r&&o("ul",{role:"group",children:[u&&o("li",{children:o(Ie,{message:u})}),!i&&!u&&o("li",{children:o(ye,{rows:Math.min(e.children.totalCount,5)})}),i?.nodes.map(a=>o(On,{node:a,selected:t,onSelect:n},a.id)),i?.next&&o("li",{children:o("button",{type:"button",onClick:()=>{d(i.next)},children:m("more")})})]})]})}function Qr({id:e}){const[t,n]=$(null),[r,s]=$(null);ie(()=>{n(null),V(wr,{id:e}).then(u=>n(u.node?.__typename==="TierNode"?u.node:null)).catch(u=>s(u.message))},[e]);const i=[["settings.currency","currency"],["settings.locale","locale"],["settings.timezone","timezone"],["settings.program","membershipProgram"]],c=u=>u&&typeof u=="object"?u.name:u;return o("section",{class:"card settings","aria-labelledby":"settings-title","aria-busy":!t,children:[o("h2",{id:"settings-title",children:[m("tree.settings"),t?`: ${t.name}`:""]}),r&&o(Ie,{message:r}),o("table",{children:o("tbody",{children:i.map(([u,p])=>{const l=t?c(t.ownSettings[p]):null,d=t?c(t.settings[p]):null;return o("tr",{children:[o("th",{scope:"row",children:m(u)}),o("td",{children:t?d??m("tree.none"):"…"}),o("td",{class:l?"own":"inherited",children:t?l?m("tree.own"):d?m("tree.inherited"):"":""})]},p)})})})]})}function Xr(){const[e,t]=$(null),[n,r]=$(null),[s,i]=$(null);return ie(()=>{V($r).then(c=>{t(c.tierTree),i(c.tierTree.id)}).catch(c=>r(c.message))},[]),o("div",{class:"split",children:[o("section",{class:"card","aria-labelledby":"tree-title",children:[o("h1",{id:"tree-title",children:m("tree.title")}),n&&o(Ie,{message:n}),!e&&!n&&o(ye,{rows:4}),e&&o("ul",{role:"tree","aria-labelledby":"tree-title",class:"tree",children:o(On,{node:e,selected:s,onSelect:i})})]}),s&&o(Qr,{id:s})]})}const eo=20,Rn={CREATED_AT_DESC:["CREATED_AT","DESC"],CREATED_AT_ASC:["CREATED_AT","ASC"],NAME_ASC:["NAME","ASC"],NAME_DESC:["NAME","DESC"],UPDATED_AT_DESC:["UPDATED_AT","DESC"]},De=Y({search:"",tags:"",tierId:"",nodeId:"",sort:"CREATED_AT_DESC"}),Ve=Y(null);let ot=null;async function it(e,t){const n=e.tags.split(",").map(u=>u.trim()).filter(Boolean),[r,s]=Rn[e.sort],{customers:i}=await V(Cr,{first:eo,after:t,filter:{search:e.search.trim()||null,tags:n.length?n:null,tierIds:e.tierId?[e.tierId]:null,nodeId:e.nodeId||null},orderBy:{field:r,direction:s}}),c=i.edges.map(u=>u.node);Ve.value={rows:t?[...Ve.value?.rows??[],...c]:c,total:i.totalCount,next:i.pageInfo.hasNextPage?i.pageInfo.endCursor??null:null}}function to(){const[e,t]=$(ot),[n,r]=$(De.value),[s,i]=$(!1),[c,u]=$(null),p=async h=>{i(!0),u(null);try{await h()}catch(S){u(S.message)}finally{i(!1)}};ie(()=>{ot||V(Nr).then(h=>{ot=h,t(h)}).catch(()=>{}),Ve.value||p(()=>it(De.value,null))},[]);const l=h=>S=>r({...n,[h]:S.target.value}),d=h=>{h.preventDefault(),De.value=n,p(()=>it(n,null))},_=Ve.value,a=e?.membershipPrograms.flatMap(h=>h.tiers.map(S=>({...S,program:h.name})))??[],f=e?[{id:e.tierTree.id,name:e.tierTree.name,depth:0},...e.tierTree.descendants.edges.map(h=>h.node)]:[];return o("section",{class:"card","aria-labelledby":"search-title",children:[o("h1",{id:"search-title",children:m("search.title")}),o("form",{class:"filters",onSubmit:d,role:"search",children:[o("label",{children:[m("search.query"),o("input",{name:"search",type:"search",value:n.search,onInput:l("search")})]}),o("label",{children:[m("search.tags"),o("input",{name:"tags",value:n.tags,onInput:l("tags")})]}),o("label",{children:[m("search.tier"),o("select",{name:"tier",value:n.tierId,onChange:l("tierId"),children:[o("option",{value:"",children:m("search.any")}),a.map(h=>o("option",{value:h.id,children:[h.program," · ",h.name]},h.id))]})]}),o("label",{children:[m("search.node"),o("select",{name:"node",value:n.nodeId,onChange:l("nodeId"),children:[o("option",{value:"",children:m("search.any")}),f.map(h=>o("option",{value:h.id,children:["  ".repeat(h.depth),h.name]},h.id))]})]}),o("label",{children:[m("search.sort"),o("select",{name:"sort",value:n.sort,onChange:l("sort"),children:Object.keys(Rn).map(h=>o("option",{value:h,children:m(`sort.${h}`)},h))})]}),o("button",{type:"submit",disabled:s,children:m("search.submit")})]}),c&&o(Ie,{message:c}),o("p",{class:"count","aria-live":"polite",children:_?m("search.results",{count:W(_.total)}):" "}),o("div",{class:"table-wrap",children:[o("table",{class:"results",children:[o("thead",{children:o("tr",{children:[o("th",{scope:"col",children:m("col.name")}),o("th",{scope:"col",children:m("col.email")}),o("th",{scope:"col",children:m("col.store")}),o("th",{scope:"col",children:m("col.tier")}),o("th",{scope:"col",class:"num",children:m("col.points")}),o("th",{scope:"col",children:m("col.created")})]})}),o("tbody",{children:_?.rows.map(h=>o("tr",{children:[o("td",{children:[o("a",{href:`#/customer/${encodeURIComponent(h.id)}`,children:h.name}),h.tags.length>0&&o("div",{class:"tags",children:h.tags.map(S=>o("span",{class:"tag",children:S}))})]}),o("td",{children:h.email??""}),o("td",{children:h.node.name}),o("td",{children:h.membership?.tier.name??"—"}),o("td",{class:"num",children:h.membership?W(h.membership.pointsBalance):"—"}),o("td",{children:oe(h.createdAt)})]},h.id))})]}),!_&&o(ye,{rows:8})]}),_?.next&&o("button",{type:"button",disabled:s,onClick:()=>{p(()=>it(De.value,_.next))},children:m("more")})]})}function Ct(e,t){const[n,r]=$(e),[s,i]=$({}),[c,u]=$(null),[p,l]=$(!1),d=f=>({name:f,value:n[f],"aria-invalid":!!s[f],"aria-describedby":`${f}-${t.join("")}-err`,onInput:h=>r({...n,[f]:h.target.value})});async function _(f,h,S){f.preventDefault(),l(!0),i({}),u(null);try{const A=await h();A.errors.length?i(kn(A.errors,t)):(r(S),u(A.ok))}catch(A){i({"":A.message})}finally{l(!1)}}return{values:n,bind:d,submit:_,err:f=>o(Me,{id:`${f}-${t.join("")}-err`,errors:s,field:f}),done:c,busy:p}}const no=()=>Array.from(crypto.getRandomValues(new Uint8Array(16)),e=>e.toString(16).padStart(2,"0")).join(""),ro=["CALL","VISIT","MESSAGE","EMAIL","NOTE"],oo=["LOW","NORMAL","HIGH","URGENT"];function io({customerId:e,onDone:t}){const n={kind:"CALL",summary:""},r=Ct(n,["kind","summary"]);return o("form",{class:"action","aria-labelledby":"log-title",onSubmit:s=>r.submit(s,async()=>{const{logInteraction:i}=await V(Or,{input:{customerId:e,kind:r.values.kind,summary:r.values.summary,channel:"web"}});return i.interaction&&t(),{errors:i.errors,ok:m("act.logged")}},n),children:[o("h2",{id:"log-title",children:m("act.log")}),o("label",{children:[m("act.kind"),o("select",{...r.bind("kind"),onChange:r.bind("kind").onInput,children:ro.map(s=>o("option",{value:s,children:P(s)},s))})]}),r.err("kind"),o("label",{children:[m("act.summary"),o("textarea",{rows:2,...r.bind("summary")})]}),r.err("summary"),r.err(""),o("button",{type:"submit",disabled:r.busy,children:m("act.logSubmit")}),o("p",{class:"done",role:"status",children:r.done??""})]})}function so({customerId:e,onDone:t}){const n={subject:"",description:"",priority:"NORMAL"},r=Ct(n,["subject","description","priority"]);return o("form",{class:"action","aria-labelledby":"ticket-title",onSubmit:s=>r.submit(s,async()=>{const{openTicket:i}=await V(Rr,{input:{customerId:e,subject:r.values.subject,description:r.values.description,priority:r.values.priority}});return i.ticket&&t(),{errors:i.errors,ok:i.ticket?m("act.opened",{number:i.ticket.number}):null}},n),children:[o("h2",{id:"ticket-title",children:m("act.ticket")}),o("label",{children:[m("act.subject"),o("input",{...r.bind("subject")})]}),r.err("subject"),o("label",{children:[m("act.description"),o("textarea",{rows:2,...r.bind("description")})]}),r.err("description"),o("label",{children:[m("act.priority"),o("select",{...r.bind("priority"),onChange:r.bind("priority").onInput,children:oo.map(s=>o("option",{value:s,children:P(s)},s))})]}),r.err("priority"),r.err(""),o("button",{type:"submit",disabled:r.busy,children:m("act.ticketSubmit")}),o("p",{class:"done",role:"status",children:r.done??""})]})}function ao({membershipId:e,onDone:t}){const n={delta:"",reason:""},r=Ct(n,["delta","reason"]);return o("form",{class:"action","aria-labelledby":"points-title",onSubmit:s=>r.submit(s,async()=>{if(!e)return{errors:[],ok:null};const i=Number(r.values.delta);if(!Number.isInteger(i))return{errors:[{field:["delta"],code:"INVALID",message:m("act.integer")}],ok:null};const{adjustPoints:c}=await V(Dr,{input:{membershipId:e,delta:i,reason:r.values.reason,idempotencyKey:no()}});return c.membership&&t(),{errors:c.errors,ok:c.membership?m("act.adjusted",{balance:W(c.membership.pointsBalance)}):null}},n),children:[o("h2",{id:"points-title",children:m("act.points")}),o("label",{children:[m("act.delta"),o("input",{inputMode:"numeric",...r.bind("delta")})]}),r.err("delta"),o("label",{children:[m("act.reason"),o("input",{...r.bind("reason")})]}),r.err("reason"),r.err(""),o("button",{type:"submit",disabled:r.busy||!e,children:m("act.pointsSubmit")}),o("p",{class:"done",role:"status",children:r.done??""})]})}function co({id:e,tz:t,version:n}){const[r,s]=$([]),[i,c]=$(void 0),[u,p]=$(!1),l=Wn(null);async function d(_){p(!0);try{const f=(await V(kr,{id:e,after:_})).customer?.timeline;if(!f)return;s(h=>[..._?h:[],...f.edges]),c(f.pageInfo.hasNextPage?f.pageInfo.endCursor??null:null)}finally{p(!1)}}return ie(()=>{d(null)},[e,n]),ie(()=>{const _=l.current;if(!_||!i)return;const a=new IntersectionObserver(f=>{f[0].isIntersecting&&!u&&d(i)});return a.observe(_),()=>a.disconnect()},[i,u]),o("section",{class:"card timeline","aria-labelledby":"tl-title",children:[o("h2",{id:"tl-title",children:m("cust.timeline")}),o("ol",{"data-testid":"timeline",children:r.map(({cursor:_,node:a})=>{let f="",h="";switch(a.__typename){case"Order":f=a.placedAt,h=`${P("Order")} ${a.number} · ${P(a.orderStatus)} · ${pe(a.total)}`;break;case"Ticket":f=a.createdAt,h=`${P("Ticket")} ${a.number} · ${a.subject} · ${P(a.ticketStatus)}`;break;case"Interaction":f=a.occurredAt,h=`${P(a.kind)} · ${a.summary} · ${a.staff.name}`;break;case"PointsEntry":f=a.createdAt,h=`${P("PointsEntry")} ${a.delta>0?"+":""}${W(a.delta)} · ${P(a.reason)}${a.note?` · ${a.note}`:""}`;break;case"TierChange":f=a.at,h=`${P("TierChange")} ${a.from?.name??"—"} → ${a.to.name}`;break;case"Opportunity":f=a.createdAt,h=`${P("Opportunity")} ${a.title} · ${P(a.opportunityStatus)} · ${pe(a.amount)}`;break}return o("li",{class:`tl-${a.__typename}`,children:[o("time",{dateTime:f,children:oe(f,t)}),o("span",{children:h})]},_)})}),i===void 0&&o(ye,{rows:5}),o("div",{ref:l}),i?o("button",{type:"button",disabled:u,onClick:()=>{d(i)},children:m("cust.timelineMore")}):i===null&&o("p",{class:"muted",children:m("cust.end")})]})}function st({title:e,total:t,items:n,render:r}){return o("section",{class:"card box","aria-busy":!n,children:[o("h2",{children:[e," ",o("small",{children:t===void 0?"":`(${W(t)})`})]}),n?n.length?o("ul",{class:"plain",children:n.map(s=>o("li",{children:r(s)}))}):o("p",{class:"muted",children:m("none")}):o(ye,{rows:4,height:"1.6rem"})]})}function uo({id:e}){const[t,n]=$(void 0),[r,s]=$(null),[i,c]=$(0),u=Ce.value;ie(()=>{V(Ir,{id:e}).then(d=>n(d.customer)).catch(d=>s(d.message))},[e,i]);const p=()=>c(d=>d+1);if(r)return o(Ie,{message:r});if(t===null)return o("section",{class:"card",children:[o("p",{children:m("cust.notFound")}),o("a",{href:"#/customers",children:m("cust.back")})]});const l=t?.node.settings.timezone;return o("div",{class:"customer",children:[o("a",{href:"#/customers",class:"back",children:["← ",m("cust.back")]}),o("section",{class:"card profile","aria-labelledby":"cust-name","aria-busy":!t,children:[o("h1",{id:"cust-name",children:t?.name??" "}),o("dl",{class:"facts",children:[o("div",{children:[o("dt",{children:m("cust.email")}),o("dd",{children:t?.email??"—"})]}),o("div",{children:[o("dt",{children:m("cust.phone")}),o("dd",{children:t?.phone??"—"})]}),o("div",{children:[o("dt",{children:m("cust.ref")}),o("dd",{children:t?.externalRef??"—"})]}),o("div",{children:[o("dt",{children:m("cust.store")}),o("dd",{children:t?.node.name??"…"})]}),o("div",{children:[o("dt",{children:m("cust.since")}),o("dd",{children:t?oe(t.createdAt,l):"…"})]}),o("div",{children:[o("dt",{children:m("cust.ltv")}),o("dd",{children:t?pe(t.lifetimeValue):"…"})]}),o("div",{children:[o("dt",{children:m("cust.tags")}),o("dd",{children:t?.tags.join(", ")||"—"})]})]})]}),o("section",{class:"card box membership","aria-labelledby":"mem-title","aria-busy":!t,children:[o("h2",{id:"mem-title",children:m("cust.membership")}),t?t.membership?o(K,{children:[o("dl",{class:"facts",children:[o("div",{children:[o("dt",{children:m("cust.tier")}),o("dd",{children:[t.membership.program.name," · ",t.membership.tier.name]})]}),o("div",{children:[o("dt",{children:m("cust.points")}),o("dd",{"data-testid":"points",children:W(t.membership.pointsBalance)})]}),o("div",{children:[o("dt",{children:m("cust.qualifying")}),o("dd",{children:W(t.membership.qualifyingPoints)})]})]}),o("h3",{children:m("cust.coupons")}),t.membership.coupons.length?o("ul",{class:"plain",children:t.membership.coupons.map(d=>o("li",{children:[d.code," · ",P(d.status)," · ",d.amountOff?pe(d.amountOff):`${d.percentOff}%`,d.expiresAt?` · ${oe(d.expiresAt,l)}`:""]},d.id))}):o("p",{class:"muted",children:m("none")}),o("h3",{children:m("cust.ledger")}),o("ul",{class:"plain",children:t.membership.pointsLedger.edges.map(({node:d})=>o("li",{children:[oe(d.createdAt,l)," · ",d.delta>0?"+":"",W(d.delta)," → ",W(d.balanceAfter)," · ",P(d.reason),d.note?` · ${d.note}`:""]},d.id))})]}):o("p",{class:"muted",children:m("cust.notMember")}):o(ye,{rows:3})]}),o(st,{title:m("cust.orders"),total:t?.orders.totalCount,items:t?.orders.edges,render:({node:d})=>o(K,{children:[d.number," · ",oe(d.placedAt,l)," · ",P(d.status)," · ",pe(d.total)]})}),o(st,{title:m("cust.tickets"),total:t?.tickets.totalCount,items:t?.tickets.edges,render:({node:d})=>o(K,{children:[d.number," · ",d.subject," · ",P(d.status)," · ",P(d.priority),d.slaBreached?` · ${m("cust.breached")}`:""]})}),o(st,{title:m("cust.interactions"),total:t?.interactions.totalCount,items:t?.interactions.edges,render:({node:d})=>o(K,{children:[oe(d.occurredAt,l)," · ",P(d.kind)," · ",d.summary," · ",d.staff.name]})}),o("section",{class:"card actions","aria-label":m("act.title"),children:[$e.logInteraction(u)&&o(io,{customerId:e,onDone:p}),$e.openTicket(u)&&o(so,{customerId:e,onDone:p}),$e.adjustPoints(u)&&o(ao,{membershipId:t?.membership?.id??null,onDone:p})]}),o(co,{id:e,tz:l,version:i})]})}const Vt=pt(()=>he.value.length);function lo(){const e=Ce.value;if(!$e.readEvents(e))return o("section",{class:"card",children:[o("h1",{children:m("live.title")}),o("p",{children:m("live.forbidden")})]});const t=Nt.value;return o("section",{class:"card","aria-labelledby":"live-title",children:[o("h1",{id:"live-title",children:[m("live.title")," ",o("small",{class:`status ${t}`,"data-testid":"feed-status",children:m(`live.status.${t}`)})]}),We.value&&o("p",{class:"failure",role:"alert",children:We.value}),!he.value.length&&o("p",{class:"muted",children:m("live.empty")}),o("ol",{class:"feed","aria-live":"polite","data-testid":"feed",children:he.value.map(n=>{const r=n.subject;let s="";return r?.__typename==="Interaction"?s=`${r.customer.name}: ${r.summary}`:r?.__typename==="Customer"?s=r.name:r?.__typename==="Order"?s=r.number:r?.__typename==="Ticket"&&(s=`${r.number} ${r.subject}`),o("li",{children:[o("time",{dateTime:n.occurredAt,children:oe(n.occurredAt)}),o("strong",{children:P(n.type)}),o("span",{children:n.node?.name??""}),o("span",{children:s}),r?.__typename==="Interaction"&&o("a",{href:`#/customer/${encodeURIComponent(r.customer.id)}`,"aria-label":`${m("live.open")}: ${r.customer.name}`,children:m("live.open")})]},n.cursor)})})]})}let Kt=null;function mo(){const[e,t]=$(()=>Kt);ie(()=>{e||Hn(()=>import("./Reports-Ciifnq4d.js"),[]).then(r=>{Kt=r.Reports,t(()=>r.Reports)})},[]);const n=e;return n?o(n,{}):o("p",{class:"muted","aria-busy":"true",children:m("loading")})}async function Yt(){const{me:e}=await V(Sr);Ce.value=e,Nn.value=e.scope.settings.timezone??void 0,wt(Wr()??zr(e.locale),!1),Yr(e)}function at(){In(),pn(null),Ce.value=null}function fo(){const[e,t]=$(!!Be());ie(()=>{rr(at),Be()&&Yt().catch(at).finally(()=>t(!1))},[]);const n=Ce.value;if(document.documentElement.lang=ce.value,e)return o("main",{class:"boot","aria-busy":"true",children:m("loading")});if(!n)return o(Jr,{onToken:async c=>{pn(c),await Yt(),Vr("/tree")}});const r=Cn.value,s=[["/tree",m("nav.tree")],["/customers",m("nav.customers")],["/reports",m("nav.reports")],["/live",m("nav.live")]];let i;return r.startsWith("/customer/")?i=o(uo,{id:decodeURIComponent(r.slice(10))}):r==="/customers"?i=o(to,{}):r==="/reports"?i=o(mo,{}):r==="/live"?i=o(lo,{}):i=o(Xr,{}),o(K,{children:[o("a",{class:"skip",href:"#main",onClick:c=>{c.preventDefault(),document.getElementById("main")?.focus()},children:m("skip")}),o("header",{class:"top",children:[o("strong",{class:"brand",children:m("app.title")}),o("nav",{"aria-label":m("nav.label"),children:s.map(([c,u])=>o("a",{href:`#${c}`,"aria-current":r===c||c==="/customers"&&r.startsWith("/customer/")?"page":void 0,children:[u,c==="/live"&&Vt.value>0?o("span",{class:"badge",children:Vt.value}):null]}))}),o("div",{class:"who",children:[o("span",{"data-testid":"viewer",children:[n.name," · ",m(`enum.${n.role}`)," · ",n.scope.name]}),o("label",{class:"lang",children:[o("span",{class:"sr",children:m("language")}),o("select",{value:ce.value,onChange:c=>wt(c.target.value),children:[o("option",{value:"en",children:"English"}),o("option",{value:"zh-CN",children:"简体中文"})]})]}),o("button",{type:"button",onClick:at,children:m("logout")})]})]}),o("main",{id:"main",tabIndex:-1,children:i})]})}Fn(o(fo,{}),document.getElementById("app"));export{Wn as A,Ie as F,ho as R,_o as a,P as b,pe as c,$ as d,W as f,ie as h,ce as l,V as r,m as t,o as u};
