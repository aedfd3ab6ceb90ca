//! Registered view and component types, erased so the runtime can hold many kinds at once.
//!
//! A [`ViewDef`] / [`ComponentDef`] carries a type's name, options, template and factory
//! functions; the runtime mounts instances through them without knowing the concrete type.

use std::fmt;

use serde_json::Value;

use crate::assigns::Assigns;
use crate::rendered::Rendered;
use crate::socket::Socket;
use crate::view::{
    LiveComponent, LiveView, Message, MountParams, Params, RenderError, Session, Template,
    TerminateReason, ViewOptions, ViewResult,
};

/// A mounted view instance with its type erased (every [`LiveView`] is one).
pub(crate) trait ErasedView: Send {
    fn render(&self, assigns: &Assigns) -> Result<Rendered, RenderError>;
    fn handle_event(&mut self, event: &str, params: Value, socket: &mut Socket) -> ViewResult;
    fn handle_info(&mut self, message: Message, socket: &mut Socket) -> ViewResult;
    fn handle_params(&mut self, params: &Params, uri: &str, socket: &mut Socket) -> ViewResult;
    fn handle_call(&mut self, request: Message, socket: &mut Socket) -> ViewResult<Message>;
    fn terminate(&mut self, reason: &TerminateReason, socket: &mut Socket);
}

impl<V: LiveView> ErasedView for V {
    fn render(&self, assigns: &Assigns) -> Result<Rendered, RenderError> {
        LiveView::render(self, assigns)
    }
    fn handle_event(&mut self, event: &str, params: Value, socket: &mut Socket) -> ViewResult {
        LiveView::handle_event(self, event, params, socket)
    }
    fn handle_info(&mut self, message: Message, socket: &mut Socket) -> ViewResult {
        LiveView::handle_info(self, message, socket)
    }
    fn handle_params(&mut self, params: &Params, uri: &str, socket: &mut Socket) -> ViewResult {
        LiveView::handle_params(self, params, uri, socket)
    }
    fn handle_call(&mut self, request: Message, socket: &mut Socket) -> ViewResult<Message> {
        LiveView::handle_call(self, request, socket)
    }
    fn terminate(&mut self, reason: &TerminateReason, socket: &mut Socket) {
        LiveView::terminate(self, reason, socket);
    }
}

/// A mounted component instance with its type erased (every [`LiveComponent`] is one).
pub(crate) trait ErasedComponent: Send {
    fn update(&mut self, assigns: Params, socket: &mut Socket) -> ViewResult;
    fn render(&self, assigns: &Assigns) -> Result<Rendered, RenderError>;
    fn handle_event(&mut self, event: &str, params: Value, socket: &mut Socket) -> ViewResult;
}

impl<C: LiveComponent> ErasedComponent for C {
    fn update(&mut self, assigns: Params, socket: &mut Socket) -> ViewResult {
        LiveComponent::update(self, assigns, socket)
    }
    fn render(&self, assigns: &Assigns) -> Result<Rendered, RenderError> {
        LiveComponent::render(self, assigns)
    }
    fn handle_event(&mut self, event: &str, params: Value, socket: &mut Socket) -> ViewResult {
        LiveComponent::handle_event(self, event, params, socket)
    }
}

type ViewMount = fn(&MountParams, &Session, &mut Socket) -> ViewResult<Box<dyn ErasedView>>;
type ComponentMount = fn(&mut Socket) -> ViewResult<Box<dyn ErasedComponent>>;

fn mount_view<V: LiveView>(
    params: &MountParams,
    session: &Session,
    socket: &mut Socket,
) -> ViewResult<Box<dyn ErasedView>> {
    Ok(Box::new(V::mount(params, session, socket)?))
}

fn mount_component<C: LiveComponent>(socket: &mut Socket) -> ViewResult<Box<dyn ErasedComponent>> {
    Ok(Box::new(C::mount(socket)?))
}

/// A registered view type, erased: name, options, template and factory.
pub struct ViewDef {
    name: String,
    options: ViewOptions,
    template: Option<&'static dyn Template>,
    mount: ViewMount,
}

impl ViewDef {
    /// Registers `V` under `name` (the name templates use in `live_render`).
    pub fn new<V: LiveView>(name: &str) -> ViewDef {
        ViewDef {
            name: name.to_owned(),
            options: V::options(),
            template: V::template(),
            mount: mount_view::<V>,
        }
    }

    /// The registered name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Container and layout options.
    pub fn options(&self) -> &ViewOptions {
        &self.options
    }

    /// Checks the view's template, so template errors surface when the app is built.
    ///
    /// # Errors
    /// The template's error, naming file, line and column.
    pub fn prepare(&self) -> Result<(), RenderError> {
        self.template.map_or(Ok(()), |t| t.prepare())
    }

    pub(crate) fn mount(
        &self,
        params: &MountParams,
        session: &Session,
        socket: &mut Socket,
    ) -> ViewResult<Box<dyn ErasedView>> {
        (self.mount)(params, session, socket)
    }

    /// The container tag and attributes (`div` with none by default).
    pub(crate) fn container(&self) -> (&str, &[(String, String)]) {
        match &self.options.container {
            Some((tag, attrs)) => (tag.as_str(), attrs.as_slice()),
            None => ("div", &[]),
        }
    }
}

impl fmt::Debug for ViewDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ViewDef")
            .field("name", &self.name)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// A registered component type, erased: name, template and factories.
pub struct ComponentDef {
    name: String,
    template: Option<&'static dyn Template>,
    mount: ComponentMount,
    preload: fn(Vec<Params>) -> Vec<Params>,
}

impl ComponentDef {
    /// Registers `C` under `name` (the name templates use in `live_component`).
    pub fn new<C: LiveComponent>(name: &str) -> ComponentDef {
        ComponentDef {
            name: name.to_owned(),
            template: C::template(),
            mount: mount_component::<C>,
            preload: C::preload,
        }
    }

    /// The registered name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Checks the component's template.
    ///
    /// # Errors
    /// The template's error, naming file, line and column.
    pub fn prepare(&self) -> Result<(), RenderError> {
        self.template.map_or(Ok(()), |t| t.prepare())
    }

    pub(crate) fn mount(&self, socket: &mut Socket) -> ViewResult<Box<dyn ErasedComponent>> {
        (self.mount)(socket)
    }

    pub(crate) fn preload(&self, list: Vec<Params>) -> Vec<Params> {
        (self.preload)(list)
    }
}

impl fmt::Debug for ComponentDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ComponentDef").field("name", &self.name).finish_non_exhaustive()
    }
}
